// DOM building for the demo pages. Untrusted text (evidence, model output) only
// ever goes through textContent: never innerHTML.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | EventListener>;

/** `h('li', {class: 'ok'}, 'text', otherNode)`; `on*` attributes become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'object' ? child : String(child));
  }
  return el;
}

/** The element with this id, typed; throws if the page lacks it (a build error, not a user error). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

/** A status pill: green, red, amber or neutral, with a text mark so colour is never the only cue. */
export function pill(state: 'ok' | 'fail' | 'warn' | 'info', label: string): HTMLSpanElement {
  const mark = { ok: '✓', fail: '✗', warn: '!', info: '•' }[state];
  return h('span', { class: `pill pill-${state}` }, h('span', { 'aria-hidden': 'true' }, mark), ` ${label}`);
}

/** Shortens a long identifier or hash for display; the full value stays in the title. */
export function short(text: string, keep = 10): string {
  return text.length <= keep * 2 + 1 ? text : `${text.slice(0, keep)}…${text.slice(-keep)}`;
}
