import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { openBackend } from "./lib/backend/open";
import { describeError } from "./lib/errors";
import { Store } from "./lib/store.svelte";
import { t } from "./lib/i18n/index.svelte";

/** Shows why the app could not start, in words, instead of an empty window. */
function showFatal(target: HTMLElement, e: unknown): void {
  const box = document.createElement("div");
  box.className = "fatal";
  box.setAttribute("role", "alert");
  box.dataset.testid = "fatal-error";
  const title = document.createElement("strong");
  title.textContent = t("app.couldNotStart");
  const text = document.createElement("p");
  text.textContent = describeError(e);
  box.append(title, text);
  target.replaceChildren(box);
}

async function boot(): Promise<void> {
  const target = document.getElementById("app");
  if (!target) throw new Error("missing #app element");
  try {
    const backend = await openBackend();
    target.replaceChildren();
    mount(App, { target, props: { store: new Store(backend) } });
  } catch (e) {
    console.error("boot failed", e);
    showFatal(target, e);
  }
}

void boot();
