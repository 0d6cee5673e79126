/**
 * The dialects the sign-in form offers, as the core states them (`DIALECTS`, generated into
 * `../bindings.ts` from `parlor_core::dialect::dialect_setups`): the page names none itself.
 */

import { DIALECTS as FROM_CORE } from "../bindings";
import type { Capability, DialectId, DialectSetup } from "./types";

/** A dialect as the core states it; the generated constant's lists are read-only. */
export type DialectInfo = Omit<DialectSetup, "capabilities"> & { capabilities: readonly Capability[] };

export const DIALECTS: readonly DialectInfo[] = FROM_CORE;

/** What the core says of dialect `id` (undefined for an id this build does not know). */
export function dialectSetup(id: string): DialectInfo | undefined {
  return DIALECTS.find((d) => d.id === id);
}

/** The label of a dialect id (the id itself when unknown). */
export function dialectLabel(id: string): string {
  return dialectSetup(id)?.label ?? id;
}

/** The dialect a new profile starts with: the first the core lists. */
export const FIRST_DIALECT: DialectId = DIALECTS[0].id;
