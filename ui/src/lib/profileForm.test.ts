import { describe, expect, it } from "vitest";
import { emptyForm, fromSaved, toInput, validate } from "./profileForm";

describe("sign-in form", () => {
  it("asks for a name, a valid address and a token", () => {
    const errors = validate({ ...emptyForm, url: "ftp://x" });
    expect(Object.keys(errors).sort()).toEqual(["name", "token", "url"]);
    expect(errors.url).toContain("http://");
  });

  it("checks the advanced fields", () => {
    const errors = validate({ ...emptyForm, name: "x", token: "t", restUrl: "nope", namespace: "user", minuteMs: "5" });
    expect(Object.keys(errors).sort()).toEqual(["minuteMs", "namespace", "restUrl"]);
  });

  it("accepts a complete form, and no token when editing a saved profile", () => {
    const form = { ...emptyForm, name: "Demo 000", token: "eyJ…" };
    expect(validate(form)).toEqual({});
    expect(validate({ ...form, id: "p-1", token: "" })).toEqual({});
  });

  it("fills the dialect's defaults: REST at the same address, the expert namespace", () => {
    expect(
      toInput({ ...emptyForm, name: " Demo ", url: "http://127.0.0.1:5001/ ", dialect: "presence-sessions", account: " ", token: "t" }),
    ).toEqual({
      id: null,
      name: "Demo",
      dialect: "presence-sessions",
      socket_url: "http://127.0.0.1:5001",
      rest_url: "http://127.0.0.1:5001",
      namespace: "/",
      account_id: null,
      billing_minute_ms: null,
      allow_plaintext: null,
      currency: null,
    });
    const tele = toInput({ ...emptyForm, name: "T", dialect: "telecaller", minuteMs: "2000" });
    expect(tele.namespace).toBe("/telecaller");
    expect(tele.rest_url).toBeNull();
    expect(tele.billing_minute_ms).toBe(2000);
  });

  it("round-trips a saved profile without its token", () => {
    const form = fromSaved({
      id: "p-1",
      name: "Demo",
      dialect: "telecaller",
      socket_url: "http://127.0.0.1:5004",
      rest_url: null,
      namespace: "/telecaller",
      account_id: "tc-1",
      billing_minute_ms: 3000,
      allow_plaintext: false,
      has_token: true,
    });
    expect(form).toMatchObject({ id: "p-1", namespace: "", minuteMs: "3000", token: "" });
    expect(toInput(form).namespace).toBe("/telecaller");
  });
});
