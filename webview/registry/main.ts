/**
 * The Model Registry panel: models → model → version, and the audit trail, with a back stack.
 * The host builds every page (src/extension/registry/views.ts); this app renders it, sends
 * actions back and reloads the page it shows when the registry changes.
 */
import './registry.css';
import { Host } from '../components/host.ts';
import { h } from '../components/dom.ts';
import { registerComponents, button, progress } from '../components/ui.ts';
import type { RegistryRequests, RegistryRoute, RegistryToHost, RegistryToWebview, RegistryView } from '../../src/shared/registry.ts';
import { link, type PageContext } from './context.ts';
import { modelsPage } from './models.ts';
import { disposeModelPage, modelPage } from './model.ts';
import { versionPage } from './version.ts';
import { auditPage } from './audit.ts';

/** What survives hiding the panel (the HTML's embedded view is the first one it ever showed). */
interface UiState {
  route: RegistryRoute;
  back: RegistryRoute[];
  query: string;
  chartKeys: Record<string, string[]>;
}

registerComponents();
const host = new Host<RegistryToHost, RegistryToWebview, UiState>();
const app = document.getElementById('app')!;
const initial = Host.initialState<RegistryView>();
let ui: UiState = host.state ?? { route: initial.route, back: [], query: '', chartKeys: {} };
let view: RegistryView = initial;
let loading = 0;

function save(): void {
  host.state = ui;
}

const request = <K extends keyof RegistryRequests>(method: K, params: RegistryRequests[K]['params']) => host.request<RegistryRequests[K]['result']>(method, params);

const ctx = (): PageContext => ({
  view,
  navigate: (route) => void go(route, true),
  act: (a) => host.post({ type: 'action', ...a }),
  request,
});

async function go(route: RegistryRoute, push: boolean, keepScroll = false): Promise<void> {
  const ticket = ++loading;
  const spinner = setTimeout(() => { if (ticket === loading) app.prepend(h('div', { class: 'loading', role: 'status' }, progress(), ' Loading…')); }, 150);
  try {
    const next = await request('load', route);
    if (ticket !== loading) return;
    if (push && !sameRoute(ui.route, route)) ui.back = [...ui.back.slice(-49), ui.route];
    show(next, keepScroll);
  } catch (e) {
    if (ticket === loading) app.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Could not load: ${(e as Error).message}`));
  } finally {
    clearTimeout(spinner);
  }
}

function back(): void {
  const prev = ui.back.pop();
  if (prev) void go(prev, false);
}

function sameRoute(a: RegistryRoute, b: RegistryRoute): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function show(next: RegistryView, keepScroll = false): void {
  const y = window.scrollY;
  view = next;
  ui.route = next.route;
  save();
  disposeModelPage();
  const c = ctx();
  const d = next.data;
  let page: HTMLElement;
  switch (d.page) {
    case 'models': page = modelsPage(c, d, ui.query, (q) => { ui.query = q; save(); }); break;
    case 'model': page = modelPage(c, d, ui.chartKeys[d.model.id], (keys) => { ui.chartKeys[d.model.id] = keys; save(); }); break;
    case 'version': page = versionPage(c, d); break;
    case 'audit': page = auditPage(c, d); break;
    default: page = h('div', { class: 'page' }, h('h1', {}, 'Model Registry'), h('p', { class: 'error', role: 'alert' }, d.message));
  }
  app.replaceChildren(nav(next), ...(next.trusted ? [] : [h('p', { class: 'restricted', role: 'note' }, 'Restricted Mode: you can browse the registry; registering, promoting, aliases, restores and card edits need a trusted workspace.')]), page);
  if (keepScroll) window.scrollTo(0, y);
  else {
    window.scrollTo(0, 0);
    const title = page.querySelector('h1');
    if (title) {
      title.setAttribute('tabindex', '-1');
      title.focus({ preventScroll: true });
    }
  }
}

function nav(v: RegistryView): HTMLElement {
  const folder = v.route.page === 'models' ? undefined : v.route.folder;
  return h('nav', { class: 'toolbar nav', 'aria-label': 'Registry navigation' },
    button('← Back', back, { secondary: true, disabled: !ui.back.length, title: 'Back (Alt+Left)', id: 'back' }),
    v.route.page !== 'models' ? link('All models', () => void go({ page: 'models' }, true)) : '',
    folder && v.route.page !== 'audit' ? link('Audit trail', () => void go({ page: 'audit', folder }, true)) : '',
    h('span', { class: 'spacer' }),
    v.actor ? h('span', { class: 'muted', title: 'Changes are recorded in the audit trail as this person (git user.email or MLOPS_ACTOR)' }, `you: ${v.actor}`) : '',
  );
}

window.addEventListener('keydown', (e) => {
  if (e.altKey && e.key === 'ArrowLeft') {
    e.preventDefault();
    back();
  }
});

host.onMessage((m) => {
  if (m.type === 'show') {
    if (!sameRoute(ui.route, m.view.route)) ui.back = [...ui.back.slice(-49), ui.route];
    show(m.view);
  } else if (m.type === 'changed') void go(ui.route, false, true);
});

// The embedded view is the first this panel ever showed. After being hidden the page reloads with
// it, and messages posted meanwhile were dropped: ask the host what it shows now.
if (sameRoute(ui.route, initial.route)) show(initial);
host.ready();
void request('current', {}).then((now) => {
  if (!sameRoute(now.route, ui.route)) ui.back = [...ui.back.slice(-49), ui.route];
  show(now, sameRoute(now.route, view.route));
}, () => { if (!sameRoute(ui.route, initial.route)) void go(ui.route, false); });
