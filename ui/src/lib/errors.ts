/** Every error the app can show, in words a person understands. */

import { t, type MessageKey } from "./i18n/index.svelte";
import type { AppError } from "./types";

/** An error as the page keeps it: the shell's `{code, message}`, plus the server's own code
 * (`server_code`) when a server refusal carried one. */
export type ShownError = AppError;

const SENTENCES: Record<string, MessageKey> = {
  not_connected: "error.not_connected",
  timeout: "error.timeout",
  auth_failed: "error.auth_failed",
  illegal_state: "error.illegal_state",
  unsupported: "error.unsupported",
  invalid_input: "error.invalid_input",
  protocol: "error.protocol",
  network: "error.network",
  busy: "error.busy",
  closed: "error.closed",
  keyring: "error.keyring",
  no_profile: "error.no_profile",
  no_session: "error.no_session",
  rejected: "error.rejected",
  io: "error.io",
  update_refused: "error.update_refused",
  device: "error.device",
};

/** Turns anything thrown or returned as an error into an AppError. */
export function toAppError(e: unknown): ShownError {
  if (e && typeof e === "object" && "code" in e && typeof (e as AppError).code === "string") {
    const err = e as ShownError;
    const out: ShownError = { code: err.code, message: typeof err.message === "string" ? err.message : "" };
    if (typeof err.server_code === "string" && err.server_code.trim()) out.server_code = err.server_code.trim();
    return out;
  }
  if (e instanceof Error) return { code: "internal", message: e.message };
  if (typeof e === "string") return { code: "internal", message: e };
  return { code: "internal", message: "" };
}

/**
 * The sentence to show for an error. A rejection shows the server's own words; the server's
 * own code, when it sent one, follows in brackets (support teams search for it).
 */
export function describeError(e: unknown): string {
  const err = toAppError(e);
  const sentence = describeWords(err);
  return err.server_code ? `${sentence} [${err.server_code}]` : sentence;
}

function describeWords(err: ShownError): string {
  const server = err.message.trim();
  if (err.code === "rejected") {
    // The shell may already have worded it ("The server refused: …"): never say it twice.
    const said = server.replace(/^the server refused:\s*/i, "");
    return said ? t("error.serverRefused", { said: withStop(said) }) : t("error.rejected");
  }
  if (err.code === "auth_failed" && server) {
    return /^the server/i.test(server)
      ? withStop(server)
      : t("error.authFailedSaid", { said: withStop(server) });
  }
  if (err.code === "unsupported" && /^this /i.test(server)) return withStop(server);
  // A local audio failure (no microphone, permission, a file that cannot be decoded): never
  // the server's fault, so never "the server refused".
  if (err.code === "device" && server) return withStop(server);
  const key = SENTENCES[err.code];
  if (key) return t(key);
  return server ? t("error.somethingSaid", { said: withStop(server) }) : t("error.something");
}

function withStop(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
