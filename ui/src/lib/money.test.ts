import { describe, expect, it } from "vitest";
import { formatCurrency, formatNumber, groupDigits } from "./money";

describe("money as its readers read it", () => {
  it("groups rupees the Indian way in English and Hindi", () => {
    expect(formatCurrency("1234567", "en-IN", "INR")).toBe("₹12,34,567.00");
    expect(formatCurrency("1234567.891", "hi-IN", "INR")).toBe("₹12,34,567.89");
    expect(formatCurrency("0", "en-IN", "INR")).toBe("₹0.00");
    expect(formatCurrency("-3.5", "en-IN", "INR")).toBe("-₹3.50");
  });
  it("keeps other locales' grouping and symbol place, exactly", () => {
    expect(formatCurrency("1234567.5", "en-US", "USD")).toBe("$1,234,567.50");
    expect(formatCurrency("1234.5", "de-DE", "EUR")).toBe("1.234,50\u00a0€");
    // Beyond a float's precision: the string is never a float.
    expect(formatCurrency("90071992547409931.05", "en-IN", "INR")).toBe("₹90,07,19,92,54,74,09,931.05");
    expect(formatCurrency("1", "en-IN", "NOT-A-CURRENCY")).toBeNull();
  });
  it("groups plain numbers", () => {
    expect(groupDigits("1234567", 3, 2, ",")).toBe("12,34,567");
    expect(groupDigits("123", 3, 2, ",")).toBe("123");
    expect(formatNumber("120", "en-IN", 0)).toBe("120");
    expect(formatNumber("123456", "en-IN", 0)).toBe("1,23,456");
  });
});
