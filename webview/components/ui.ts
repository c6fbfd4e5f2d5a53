/**
 * Our thin component layer. Panels build their UI only through these functions, so the toolkit
 * behind them (@vscode/webview-ui-toolkit today; it is deprecated upstream) can be swapped here,
 * in one place, without touching a panel.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { custom, h } from './dom.ts';

let registered = false;
export function registerComponents(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeBadge(), vsCodeButton(), vsCodeCheckbox(), vsCodeDivider(), vsCodeDropdown(), vsCodeOption(),
    vsCodePanels(), vsCodePanelTab(), vsCodePanelView(), vsCodeProgressRing(), vsCodeTextField(),
  );
}

export function button(label: string, onClick: () => void, opts: { secondary?: boolean; title?: string; id?: string; disabled?: boolean } = {}): HTMLElement {
  const b = custom('vscode-button', { appearance: opts.secondary ? 'secondary' : 'primary', title: opts.title, id: opts.id, disabled: opts.disabled }, label);
  b.addEventListener('click', () => { if (!b.hasAttribute('disabled')) onClick(); });
  return b;
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void, opts: { id?: string } = {}): HTMLElement {
  const c = custom('vscode-checkbox', { checked, id: opts.id }, label) as HTMLElement & { checked: boolean };
  c.addEventListener('change', () => onChange(c.checked));
  return c;
}

export function dropdown(options: Array<{ value: string; label: string }>, value: string, onChange: (value: string) => void, opts: { id?: string; label?: string } = {}): HTMLElement {
  const d = custom('vscode-dropdown', { id: opts.id, 'aria-label': opts.label }, ...options.map((o) => custom('vscode-option', { value: o.value, selected: o.value === value }, o.label))) as HTMLElement & { value: string };
  d.addEventListener('change', () => onChange(d.value));
  return d;
}

export function textField(placeholder: string, value: string, onInput: (value: string) => void, opts: { id?: string; label?: string; size?: number } = {}): HTMLElement {
  const t = custom('vscode-text-field', { placeholder, value, id: opts.id, 'aria-label': opts.label ?? placeholder, size: opts.size }) as HTMLElement & { value: string };
  t.addEventListener('input', () => onInput(t.value));
  return t;
}

export function badge(text: string | number): HTMLElement {
  return custom('vscode-badge', {}, String(text));
}

export function divider(): HTMLElement {
  return custom('vscode-divider', { role: 'separator' });
}

export function progress(): HTMLElement {
  return custom('vscode-progress-ring', {});
}

/** Tabs: [label, content] pairs. */
export function tabs(items: Array<[string, HTMLElement]>, opts: { id?: string; activeIndex?: number; onChange?: (index: number) => void } = {}): HTMLElement {
  const panels = custom('vscode-panels', { id: opts.id, activeid: `tab-${opts.activeIndex ?? 0}` });
  items.forEach(([label], i) => panels.append(custom('vscode-panel-tab', { id: `tab-${i}` }, label)));
  items.forEach(([, content]) => panels.append(custom('vscode-panel-view', {}, content)));
  if (opts.onChange) panels.addEventListener('change', () => {
    const active = panels.getAttribute('activeid') ?? 'tab-0';
    opts.onChange!(Number(active.slice(4)));
  });
  return panels;
}

export function section(title: string, ...children: Array<Node | string>): HTMLElement {
  return h('section', {}, h('h2', {}, title), ...children);
}
