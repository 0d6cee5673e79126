import { describe, expect, it } from "vitest";
import {
  endedLabel,
  formatDuration,
  formatMoney,
  formatRate,
  initials,
  kindLabel,
  minutesLabel,
  partyName,
} from "./format";

describe("formatDuration", () => {
  it("formats minutes and hours", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(65)).toBe("1:05");
    expect(formatDuration(3725)).toBe("1:02:05");
    expect(formatDuration(-3)).toBe("0:00");
  });
});

describe("formatMoney", () => {
  it("uses the currency's symbol and two places", () => {
    expect(formatMoney({ amount: "20", unit: "INR" })).toBe("₹20.00");
    expect(formatMoney({ amount: "1234.5", unit: "INR" })).toBe("₹1,234.50");
    expect(formatMoney({ amount: "-3.5", unit: "USD" })).toBe("-$3.50");
  });
  it("keeps coins whole and unknown units spelled out", () => {
    expect(formatMoney({ amount: "120", unit: "coins" })).toBe("120 coins");
    expect(formatMoney({ amount: "9.99", unit: "XYZ" })).toBe("9.99 XYZ");
    expect(formatMoney({ amount: "9.9" })).toBe("9.90");
    expect(formatMoney(null)).toBe("—");
    expect(formatRate({ amount: "10.00", unit: "INR" })).toBe("₹10.00/min");
  });
});

describe("labels", () => {
  it("names people and kinds", () => {
    expect(partyName({ id: "u-asha", name: "Asha Verma" })).toBe("Asha Verma");
    expect(partyName({ id: "u-asha" })).toBe("u-asha");
    expect(partyName(undefined)).toBe("Unknown user");
    expect(initials("Asha Verma")).toBe("AV");
    expect(initials("Pandit Ram Sharma")).toBe("PS");
    expect(kindLabel("audio")).toBe("Voice call");
    expect(kindLabel("text")).toBe("Chat");
    expect(minutesLabel("1")).toBe("1 minute");
    expect(minutesLabel("3")).toBe("3 minutes");
  });
  it("says how a consultation ended", () => {
    expect(endedLabel("user", "ended")).toBe("Ended by the user.");
    expect(endedLabel("expert", "ended")).toBe("Ended by you.");
    expect(endedLabel("system", "insufficient_balance")).toBe(
      "Ended because the user's wallet ran out.",
    );
  });
});
