import { afterEach, describe, expect, it } from "vitest";
import { deliveryText } from "./delivery";
import { setLang } from "./i18n/index.svelte";
import type { DeliveryState } from "./types";

const OWN: DeliveryState[] = ["pending", "sending", "sent", "delivered", "read", "failed", "unconfirmed"];

describe("delivery states in words", () => {
  afterEach(() => setLang("en"));

  it("names every state of an own message, in English and Hindi, each differently", () => {
    for (const lang of ["en", "hi"]) {
      setLang(lang);
      const words = OWN.map(deliveryText);
      for (const [i, w] of words.entries()) expect(w, `${lang} ${OWN[i]}`).not.toBe("");
      expect(new Set(words).size).toBe(OWN.length);
    }
  });

  it("tells an unconfirmed message apart from a refused one", () => {
    expect(deliveryText("unconfirmed")).toBe("Not confirmed");
    expect(deliveryText("failed")).toBe("Not sent");
    expect(deliveryText("received")).toBe("");
  });
});
