/** The sign-in form's checks, kept out of the component so they are tested. */

import type { DialectId, ProfileInput } from "./types";

export interface ProfileForm {
  name: string;
  url: string;
  dialect: DialectId;
  account: string;
  token: string;
}

export const emptyForm: ProfileForm = {
  name: "",
  url: "http://127.0.0.1:5000",
  dialect: "billing-chat",
  account: "",
  token: "",
};

/** Problems with the form, by field (empty when it can be saved). */
export function validate(f: ProfileForm, editing: boolean): Partial<Record<keyof ProfileForm, string>> {
  const errors: Partial<Record<keyof ProfileForm, string>> = {};
  if (!f.name.trim()) errors.name = "Give this server a name you will recognise.";
  const url = f.url.trim();
  if (!url) errors.url = "Enter the server's address.";
  else if (!/^(https?|wss?):\/\/[^\s/]+/i.test(url)) errors.url = "The address must start with http:// or https://.";
  if (!f.token.trim() && !editing) errors.token = "Paste the token your platform gave you.";
  return errors;
}

/** The profile to save from the form. */
export function toInput(f: ProfileForm): ProfileInput {
  return {
    name: f.name.trim(),
    socket_url: f.url.trim().replace(/\/+$/, ""),
    dialect: f.dialect,
    account_id: f.account.trim() || null,
  };
}
