/**
 * Chooses the backend for where the page runs: the shell inside the Tauri window, else the
 * preview (loaded only outside the app). Its own file, so that `backend.ts` (the interface)
 * imports neither implementation and they import only it.
 */

import type { Backend } from "./backend";

/** True inside the Tauri window. */
export function insideTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

/** The backend for where the page runs (the preview is loaded only outside the app). */
export async function openBackend(): Promise<Backend> {
  if (insideTauri()) {
    const { TauriBackend } = await import("./tauri");
    return new TauriBackend();
  }
  const { PreviewBackend } = await import("./preview");
  return new PreviewBackend();
}
