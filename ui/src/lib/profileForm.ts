/** The sign-in form's checks and defaults, kept out of the component so they are tested. */

import { dialectSetup, FIRST_DIALECT } from "./dialects";
import { t } from "./i18n/index.svelte";
import type { DialectId, ProfileInput, SavedProfile } from "./types";

export interface ProfileForm {
  id: string | null;
  name: string;
  url: string;
  dialect: DialectId;
  account: string;
  token: string;
  /** Advanced: REST base URL (empty: the server address, where the dialect has REST). */
  restUrl: string;
  /** Advanced: Socket.IO namespace (empty: the dialect's expert namespace). */
  namespace: string;
  /** Advanced: length of a billed minute in ms (test servers shorten it; empty: 60 000). */
  minuteMs: string;
}

export const emptyForm: ProfileForm = {
  id: null,
  name: "",
  url: "http://127.0.0.1:5000",
  dialect: FIRST_DIALECT,
  account: "",
  token: "",
  restUrl: "",
  namespace: "",
  minuteMs: "",
};

/** Whether the dialect's servers also answer over REST at the socket's address (the core says). */
function restAtSocketUrl(d: DialectId): boolean {
  return dialectSetup(d)?.rest_at_socket_url ?? false;
}

/** Where experts connect on the dialect's servers (the core says; a dialect may have several namespaces). */
export function defaultNamespace(d: DialectId): string {
  return dialectSetup(d)?.expert_namespace ?? "/";
}

/** Problems with the form, by field (empty when it can be saved). */
export function validate(f: ProfileForm): Partial<Record<keyof ProfileForm, string>> {
  const errors: Partial<Record<keyof ProfileForm, string>> = {};
  if (!f.name.trim()) errors.name = t("form.nameMissing");
  const url = f.url.trim();
  if (!url) errors.url = t("form.urlMissing");
  else if (!isUrl(url)) errors.url = t("form.urlBad");
  if (f.restUrl.trim() && !isUrl(f.restUrl.trim())) errors.restUrl = t("form.restBad");
  if (f.namespace.trim() && !f.namespace.trim().startsWith("/")) errors.namespace = t("form.namespaceBad");
  const ms = f.minuteMs.trim();
  if (ms && !(/^\d+$/.test(ms) && Number(ms) >= 1000)) errors.minuteMs = t("form.minuteBad");
  if (!f.token.trim() && f.id === null) errors.token = t("form.tokenMissing");
  return errors;
}

/** The profile to save from the form. */
export function toInput(f: ProfileForm): ProfileInput {
  const url = f.url.trim().replace(/\/+$/, "");
  const rest = f.restUrl.trim().replace(/\/+$/, "");
  return {
    id: f.id,
    name: f.name.trim(),
    dialect: f.dialect,
    socket_url: url,
    rest_url: rest || (restAtSocketUrl(f.dialect) ? url : null),
    namespace: f.namespace.trim() || defaultNamespace(f.dialect),
    account_id: f.account.trim() || null,
    billing_minute_ms: f.minuteMs.trim() ? Number(f.minuteMs.trim()) : null,
    allow_plaintext: null,
    currency: null,
  };
}

/** The form for editing a saved profile (the token stays in the keyring unless retyped). */
export function fromSaved(p: SavedProfile): ProfileForm {
  const url = p.socket_url;
  return {
    id: p.id,
    name: p.name,
    url,
    dialect: p.dialect,
    account: p.account_id ?? "",
    token: "",
    restUrl: p.rest_url && p.rest_url !== url ? p.rest_url : "",
    namespace: p.namespace && p.namespace !== defaultNamespace(p.dialect) ? p.namespace : "",
    minuteMs: p.billing_minute_ms ? String(p.billing_minute_ms) : "",
  };
}

function isUrl(s: string): boolean {
  return /^(https?|wss?):\/\/[^\s/]+/i.test(s);
}
