// Minimal DOM helpers: element creation without innerHTML for anything that holds user data.

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, props: { cls?: string; id?: string; text?: string; title?: string; attrs?: Record<string, string> } = {},
  ...children: (Node | string | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.cls) el.className = props.cls;
  if (props.id) el.id = props.id;
  if (props.text !== undefined) el.textContent = props.text;
  if (props.title) el.title = props.title;
  if (props.attrs) for (const [k, v] of Object.entries(props.attrs)) el.setAttribute(k, v);
  for (const c of children) {
    if (c === undefined || c === false) continue;
    el.append(c);
  }
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Shows `data-tip` of whatever the pointer is over, for SVG charts built from scenes. */
export function installTooltip(root: HTMLElement): void {
  const tip = h('div', { cls: 'tooltip', attrs: { role: 'tooltip' } });
  tip.hidden = true;
  document.body.appendChild(tip);
  root.addEventListener('mouseover', (e) => {
    const t = (e.target as Element | null)?.closest?.('[data-tip]');
    if (!t) {
      tip.hidden = true;
      return;
    }
    tip.textContent = t.getAttribute('data-tip');
    tip.hidden = false;
  });
  root.addEventListener('mousemove', (e) => {
    if (tip.hidden) return;
    tip.style.left = `${Math.min(e.clientX + 12, window.innerWidth - tip.offsetWidth - 4)}px`;
    tip.style.top = `${e.clientY + 14}px`;
  });
  root.addEventListener('mouseleave', () => {
    tip.hidden = true;
  });
}
