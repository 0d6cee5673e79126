import { describe, expect, it } from "vitest";
import { describeError, toAppError } from "./errors";

describe("describeError", () => {
  it("maps every core code to a sentence", () => {
    for (const code of [
      "not_connected",
      "timeout",
      "illegal_state",
      "unsupported",
      "invalid_input",
      "protocol",
      "network",
      "busy",
      "closed",
      "keyring",
      "no_profile",
    ]) {
      const text = describeError({ code, message: "raw detail" });
      expect(text, code).not.toContain("raw detail");
      expect(text, code).toMatch(/^[A-Z].*\.$/);
    }
  });

  it("shows the server's words when it rejected", () => {
    expect(describeError({ code: "rejected", message: "You are already in a session" })).toBe(
      "The server refused: You are already in a session.",
    );
    expect(describeError({ code: "rejected", message: "" })).toBe("The server refused the request.");
    expect(describeError({ code: "rejected", message: "The server refused: Chat is already ended." })).toBe(
      "The server refused: Chat is already ended.",
    );
  });

  it("keeps the shell's own wording of an auth failure", () => {
    expect(
      describeError({ code: "auth_failed", message: "The server refused the sign-in (Invalid or expired token). Check the token." }),
    ).toBe("The server refused the sign-in (Invalid or expired token). Check the token.");
  });

  it("adds the server's reason to an auth failure", () => {
    expect(describeError({ code: "auth_failed", message: "Invalid or expired token" })).toContain(
      "(The server said: Invalid or expired token.)",
    );
  });

  it("keeps the shell's own sentence for a missing feature", () => {
    expect(describeError({ code: "unsupported", message: "This server cannot do that: reactions." })).toBe(
      "This server cannot do that: reactions.",
    );
  });

  it("never blames the server for this computer's audio", () => {
    const said = describeError({
      code: "device",
      message: "This computer's audio could not be used: no default input device.",
    });
    expect(said).toBe("This computer's audio could not be used: no default input device.");
    expect(said).not.toMatch(/server/i);
    expect(describeError({ code: "device", message: "" })).toContain("microphone");
  });

  it("reads thrown errors and unknown codes", () => {
    expect(toAppError(new Error("boom"))).toEqual({ code: "internal", message: "boom" });
    expect(describeError("boom")).toBe("Something went wrong: boom.");
    expect(describeError(undefined)).toBe("Something went wrong. Please try again.");
  });
});
