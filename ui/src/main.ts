import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { openBackend } from "./lib/backend/backend";
import { Store } from "./lib/store.svelte";

async function boot(): Promise<void> {
  const target = document.getElementById("app");
  if (!target) throw new Error("missing #app element");
  const backend = await openBackend();
  mount(App, { target, props: { store: new Store(backend) } });
}

void boot();
