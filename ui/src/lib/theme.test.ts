import { describe, expect, it } from "vitest";
import { effectiveTheme, nextChoice } from "./theme";

describe("theme", () => {
  it("follows the system unless a theme is picked", () => {
    expect(effectiveTheme("system", true)).toBe("dark");
    expect(effectiveTheme("system", false)).toBe("light");
    expect(effectiveTheme("light", true)).toBe("light");
    expect(effectiveTheme("dark", false)).toBe("dark");
  });
  it("cycles system → light → dark → system", () => {
    expect(nextChoice("system")).toBe("light");
    expect(nextChoice("light")).toBe("dark");
    expect(nextChoice("dark")).toBe("system");
  });
});
