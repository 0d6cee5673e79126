import { afterEach, describe, expect, it } from "vitest";
import { formatMoney, setDefaultCurrency } from "../format";
import { en } from "./en";
import { hi } from "./hi";
import { lang, locale, setLang, t, tn } from "./index.svelte";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("every string in English and Hindi", () => {
  afterEach(() => {
    setLang("en");
    setDefaultCurrency(null);
  });

  it("has a Hindi text with the same placeholders for every English key", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(hi[key], key).toBeTruthy();
      expect(placeholders(hi[key]), key).toEqual(placeholders(en[key]));
    }
    // Hindi is written in Devanagari (a few strings are only names or numbers).
    const devanagari = Object.values(hi).filter((s) => /[\u0900-\u097F]/.test(s)).length;
    expect(devanagari / Object.keys(hi).length).toBeGreaterThan(0.95);
  });

  it("switches language at once and fills placeholders", () => {
    expect(t("request.accept")).toBe("Accept");
    setLang("hi");
    expect(lang()).toBe("hi");
    expect(locale()).toBe("hi-IN");
    expect(t("request.accept")).toBe("स्वीकार करें");
    expect(tn("dash.waitingOne", "dash.waitingMany", 3)).toBe("3 लोग आपकी प्रतीक्षा कर रहे हैं।");
    setLang("fr");
    expect(lang()).toBe("en");
    expect(tn("dash.waitingOne", "dash.waitingMany", 1)).toBe("Someone is waiting for you.");
  });

  it("writes money with the provider's currency and Indian grouping in both languages", () => {
    expect(formatMoney({ amount: "0" })).toBe("0.00");
    setDefaultCurrency("INR");
    expect(formatMoney({ amount: "0" })).toBe("₹0.00");
    expect(formatMoney({ amount: "1234567" })).toBe("₹12,34,567.00");
    expect(formatMoney({ amount: "25", unit: "USD" })).toBe("$25.00");
    setLang("hi");
    expect(formatMoney({ amount: "1234567.5", unit: "INR" })).toBe("₹12,34,567.50");
    expect(formatMoney({ amount: "1500", unit: "coins" })).toBe("1,500 सिक्के");
  });
});
