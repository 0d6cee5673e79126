/** The store, shared with every component through Svelte's context. */

import { getContext, setContext } from "svelte";
import type { Store } from "./store.svelte";

const KEY = Symbol("parlor-store");

export function provideStore(store: Store): void {
  setContext(KEY, store);
}

export function useStore(): Store {
  const store = getContext<Store | undefined>(KEY);
  if (!store) throw new Error("the store is not provided");
  return store;
}
