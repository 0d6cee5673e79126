/** Every error the app can show, in words a person understands. */

import type { AppError } from "./types";

const SENTENCES: Record<string, string> = {
  not_connected: "You are not connected to the server right now. Parlor keeps trying; please wait a moment.",
  timeout: "The server did not answer in time. Please try again.",
  auth_failed: "The server did not accept your sign-in. Check the account and token, then sign in again.",
  illegal_state: "That cannot be done right now: the consultation has moved on.",
  unsupported: "This server does not offer that feature.",
  invalid_input: "Some of the details are not valid. Please check them and try again.",
  protocol: "The server sent something Parlor could not read. Please try again; if it keeps happening, tell your platform.",
  network: "The network connection failed. Check your internet connection; Parlor will reconnect by itself.",
  busy: "You are already busy with another consultation or call.",
  closed: "The session has been closed. Please sign in again.",
  keyring: "Parlor could not reach the system keyring where your token is kept. Unlock your keyring and try again.",
  no_profile: "No server profile is selected. Choose or add one to sign in.",
  no_session: "You are not signed in.",
  rejected: "The server refused the request.",
  io: "A file on this computer could not be read or written. Check the free disk space.",
  device: "This computer's microphone, speaker or an audio file could not be used.",
};

/** Turns anything thrown or returned as an error into an AppError. */
export function toAppError(e: unknown): AppError {
  if (e && typeof e === "object" && "code" in e && typeof (e as AppError).code === "string") {
    const err = e as AppError;
    return { code: err.code, message: typeof err.message === "string" ? err.message : "" };
  }
  if (e instanceof Error) return { code: "internal", message: e.message };
  if (typeof e === "string") return { code: "internal", message: e };
  return { code: "internal", message: "" };
}

/** The sentence to show for an error. A rejection shows the server's own words. */
export function describeError(e: unknown): string {
  const err = toAppError(e);
  const server = err.message.trim();
  if (err.code === "rejected") {
    // The shell may already have worded it ("The server refused: …"): never say it twice.
    const said = server.replace(/^the server refused:\s*/i, "");
    return said ? `The server refused: ${withStop(said)}` : SENTENCES.rejected!;
  }
  if (err.code === "auth_failed" && server) {
    return /^the server/i.test(server)
      ? withStop(server)
      : `${SENTENCES.auth_failed} (The server said: ${withStop(server)})`;
  }
  if (err.code === "unsupported" && /^this /i.test(server)) return withStop(server);
  // A local audio failure (no microphone, permission, a file that cannot be decoded): never
  // the server's fault, so never "the server refused".
  if (err.code === "device" && server) return withStop(server);
  const sentence = SENTENCES[err.code];
  if (sentence) return sentence;
  return server ? `Something went wrong: ${withStop(server)}` : "Something went wrong. Please try again.";
}

function withStop(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
