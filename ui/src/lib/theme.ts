/** Light and dark themes: follow the system unless the expert picked one. */

export type ThemeChoice = "system" | "light" | "dark";

const KEY = "parlor.theme";

/** The saved choice (system by default). */
export function loadChoice(): ThemeChoice {
  const v = typeof localStorage !== "undefined" ? localStorage.getItem(KEY) : null;
  return v === "light" || v === "dark" ? v : "system";
}

export function saveChoice(choice: ThemeChoice): void {
  localStorage.setItem(KEY, choice);
}

/** The next choice in the toggle's cycle. */
export function nextChoice(c: ThemeChoice): ThemeChoice {
  return c === "system" ? "light" : c === "light" ? "dark" : "system";
}

/** The theme in effect for a choice, given whether the system prefers dark. */
export function effectiveTheme(choice: ThemeChoice, systemDark: boolean): "light" | "dark" {
  if (choice === "system") return systemDark ? "dark" : "light";
  return choice;
}
