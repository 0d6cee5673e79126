import { describe, expect, it } from "vitest";
import { emptyForm, toInput, validate } from "./profileForm";

describe("sign-in form", () => {
  it("asks for a name, a valid address and a token", () => {
    const errors = validate({ ...emptyForm, url: "ftp://x" }, false);
    expect(Object.keys(errors).sort()).toEqual(["name", "token", "url"]);
    expect(errors.url).toContain("http://");
  });

  it("accepts a complete form, and no token when editing a saved profile", () => {
    const form = { ...emptyForm, name: "Demo 000", token: "eyJ…" };
    expect(validate(form, false)).toEqual({});
    expect(validate({ ...form, token: "" }, true)).toEqual({});
  });

  it("trims the input and drops a trailing slash", () => {
    expect(
      toInput({ name: " Demo ", url: "http://127.0.0.1:5000/ ", dialect: "telecaller", account: " ", token: "t" }),
    ).toEqual({ name: "Demo", socket_url: "http://127.0.0.1:5000", dialect: "telecaller", account_id: null });
  });
});
