/** The preview's saved profiles and settings, kept in the browser's localStorage. */

import type { ProfileInput, SavedProfile, Settings } from "../../types";
import { fail } from "./world";

const PROFILES_KEY = "parlor.preview.profiles";
const SETTINGS_KEY = "parlor.preview.settings";
const DEFAULT_SETTINGS: Settings = {
  ring_enabled: true,
  ring_volume: 80,
  ring_device: null,
  notifications: true,
  language: "en",
  autostart: false,
  theme: "system",
  quick_replies: ["Namaste! I am looking at your chart now.", "Please share your date, time and place of birth."],
  tray_notice_shown: false,
};

export function loadProfiles(): SavedProfile[] {
  try {
    return JSON.parse(localStorage.getItem(PROFILES_KEY) ?? "[]") as SavedProfile[];
  } catch {
    return [];
  }
}

export function saveProfile(input: ProfileInput, token: string | null): SavedProfile {
  if (!/^(https?|wss?):\/\//.test(input.socket_url)) fail("invalid_input", "The server URL must start with http:// or https://");
  const list = loadProfiles();
  const old = list.find((p) => p.id === input.id);
  const saved: SavedProfile = {
    ...input,
    id: input.id ?? `p-${Date.now()}`,
    namespace: input.namespace ?? "/",
    allow_plaintext: input.allow_plaintext ?? false,
    currency: input.currency ?? "INR",
    has_token: Boolean(token) || Boolean(old?.has_token),
  };
  const next = [...list.filter((p) => p.id !== saved.id), saved];
  localStorage.setItem(PROFILES_KEY, JSON.stringify(next));
  return saved;
}

export function deleteProfile(id: string): void {
  localStorage.setItem(PROFILES_KEY, JSON.stringify(loadProfiles().filter((p) => p.id !== id)));
}

export function loadSettings(): Settings {
  try {
    return { ...DEFAULT_SETTINGS, ...(JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? "{}") as Partial<Settings>) };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

export function saveSettings(settings: Settings): Settings {
  localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  return settings;
}
