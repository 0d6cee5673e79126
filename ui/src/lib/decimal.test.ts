import { describe, expect, it } from "vitest";
import { add, compare, group, isDecimal, sum, toFixed, wholeQuotient } from "./decimal";

describe("decimal", () => {
  it("adds exactly where floats would not", () => {
    expect(add("0.10", "0.20")).toBe("0.30");
    expect(add("12.5", "0.05")).toBe("12.55");
    expect(add("-1.00", "0.25")).toBe("-0.75");
    expect(sum(["10.00", "12.50", "0.01"])).toBe("22.51");
    expect(sum([])).toBe("0");
  });

  it("compares across scales", () => {
    expect(compare("1.50", "1.5")).toBe(0);
    expect(compare("2", "10.00")).toBe(-1);
    expect(compare("-0.01", "-0.02")).toBe(1);
  });

  it("divides to whole times, flooring", () => {
    expect(wholeQuotient("500.00", "10.00")).toBe(50n);
    expect(wholeQuotient("25.00", "12.50")).toBe(2n);
    expect(wholeQuotient("24.99", "12.50")).toBe(1n);
    expect(wholeQuotient("5", "0.00")).toBeNull();
  });

  it("rounds and pads to places", () => {
    expect(toFixed("12.5", 2)).toBe("12.50");
    expect(toFixed("12.345", 2)).toBe("12.35");
    expect(toFixed("-12.345", 2)).toBe("-12.35");
    expect(toFixed("7", 0)).toBe("7");
  });

  it("groups thousands and rejects garbage", () => {
    expect(group("1234567.50")).toBe("1,234,567.50");
    expect(group("-1000")).toBe("-1,000");
    expect(isDecimal("12.50")).toBe(true);
    expect(isDecimal("abc")).toBe(false);
    expect(() => add("x", "1")).toThrow();
  });
});
