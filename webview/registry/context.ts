import { h } from '../components/dom.ts';
import type { RegistryAction, RegistryRequests, RegistryRoute, RegistryView } from '../../src/shared/registry.ts';

/** What a page may do: navigate, ask the host to act, make a request. */
export interface PageContext {
  view: RegistryView;
  navigate(route: RegistryRoute): void;
  act(a: RegistryAction): void;
  request<K extends keyof RegistryRequests>(method: K, params: RegistryRequests[K]['params']): Promise<RegistryRequests[K]['result']>;
}

/** A real link (focusable, Enter activates it) that runs `fn` instead of navigating. */
export function link(text: string, fn: () => void, attrs: Record<string, string | undefined> = {}): HTMLAnchorElement {
  const a = h('a', { href: '#', ...attrs }, text);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    fn();
  });
  return a;
}

/** A small pill: stage, alias, outcome. `kind` picks its colour class. */
export function pill(text: string, kind = ''): HTMLElement {
  return h('span', { class: `pill ${kind}`.trim() }, text);
}

export function stagePill(stage: string): HTMLElement {
  return pill(stage, `stage-${stage.toLowerCase()}`);
}

/** Why a change control is disabled: untrusted workspace, read-only source, or policy. */
export function changeBlocker(view: RegistryView, readOnly: boolean): string | undefined {
  if (!view.trusted) return 'Restricted Mode: trust this workspace to change the registry.';
  if (readOnly) return 'Read-only: this model comes from the MLflow registry.';
  return undefined;
}
