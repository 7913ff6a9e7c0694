// The only module that knows which web-component library draws the controls. @vscode/webview-ui-toolkit
// is deprecated upstream; switching to @vscode-elements/elements means changing the tags and events here.
import {
  provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption, vsCodeTextField, vsCodeProgressRing,
} from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerControls(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField(), vsCodeProgressRing());
}

export function button(label: string, onClick: () => void, opts: { secondary?: boolean; id?: string; title?: string } = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  if (opts.secondary) b.setAttribute('appearance', 'secondary');
  if (opts.id) b.id = opts.id;
  if (opts.title) b.title = opts.title;
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

export function setDisabled(el: HTMLElement, disabled: boolean): void {
  el.toggleAttribute('disabled', disabled);
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void, id?: string): HTMLElement {
  const c = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  c.textContent = label;
  if (id) c.id = id;
  c.checked = checked;
  if (checked) c.setAttribute('checked', '');
  c.addEventListener('change', () => onChange(Boolean(c.checked)));
  return c;
}

export function dropdown(options: { value: string; label: string }[], value: string, onChange: (value: string) => void, id?: string): HTMLElement {
  const d = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  if (id) d.id = id;
  for (const o of options) {
    const opt = document.createElement('vscode-option') as HTMLElement & { value: string };
    opt.setAttribute('value', o.value);
    opt.textContent = o.label;
    if (o.value === value) opt.setAttribute('selected', '');
    d.appendChild(opt);
  }
  d.addEventListener('change', () => onChange(d.value));
  return d;
}

export function textField(label: string, value: string, opts: { id?: string; placeholder?: string; name?: string } = {}): HTMLElement & { value: string } {
  const t = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  t.textContent = label;
  t.setAttribute('value', value);
  if (opts.placeholder) t.setAttribute('placeholder', opts.placeholder);
  if (opts.id) t.id = opts.id;
  if (opts.name) t.setAttribute('name', opts.name);
  return t;
}

export function progressRing(): HTMLElement {
  return document.createElement('vscode-progress-ring');
}

/** A range slider; the toolkit has none, so a native input styled with the theme's colours. */
export function slider(min: number, max: number, step: number, value: number, onInput: (v: number) => void, id?: string): HTMLInputElement {
  const s = document.createElement('input');
  s.type = 'range';
  s.min = String(min);
  s.max = String(max);
  s.step = String(step);
  s.value = String(value);
  if (id) s.id = id;
  s.addEventListener('input', () => onInput(Number(s.value)));
  return s;
}
