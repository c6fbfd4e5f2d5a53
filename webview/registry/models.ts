/** The models list: every registered model, ours first, MLflow's read-only, with a search box. */
import { h } from '../components/dom.ts';
import { button, section, textField } from '../components/ui.ts';
import type { ModelsPageData } from '../../src/shared/registry.ts';
import type { ModelSummary } from '../../src/engine/registry/api.ts';
import { link, pill, stagePill, type PageContext } from './context.ts';
import { fmtAge, fmtDate } from './format.ts';

export function modelsPage(ctx: PageContext, data: ModelsPageData, query: string, onQuery: (q: string) => void): HTMLElement {
  const total = data.folders.reduce((n, f) => n + f.models.length, 0);
  const root = h('div', { class: 'page models-page' });
  root.append(h('h1', {}, 'Model Registry'));
  if (total === 0 && !data.folders.some((f) => f.problems.length)) {
    root.append(
      h('p', {}, 'No models are registered yet. Register a trained model file or folder — from the Explorer context menu, the Models view, or here — and its lineage (data, run, commit) is recorded with it.'),
      h('div', { class: 'toolbar' }, button('Register Model Version…', () => ctx.act({ action: 'register' }), { disabled: !ctx.view.trusted, title: ctx.view.trusted ? undefined : 'Restricted Mode: trust this workspace to register models.' })),
    );
    return root;
  }
  const list = h('div', { id: 'model-list' });
  const status = h('span', { class: 'muted', role: 'status' });
  const render = (q: string) => {
    list.replaceChildren();
    let shown = 0;
    for (const f of data.folders) {
      const models = f.models.filter((m) => matches(m, q));
      shown += models.length;
      const body = h('div');
      for (const p of f.problems) body.append(h('p', { class: 'problem' }, `${p.location}: ${p.message}`));
      if (models.length) body.append(table(ctx, f.folder.key, models));
      if (data.folders.length > 1) list.append(section(f.folder.name, body));
      else list.append(body);
    }
    status.textContent = q ? `${shown} of ${total} model(s) match` : `${total} model(s)`;
    if (q && shown === 0) list.append(h('p', { class: 'muted' }, `Nothing matches “${q}”. The search looks at names, descriptions, tags and aliases.`));
  };
  const search = textField('Search models (name, description, tag, alias)', query, (q) => { onQuery(q); render(q); }, { id: 'model-search', label: 'Search models', size: 40 });
  root.append(h('div', { class: 'toolbar' }, search, status, h('span', { class: 'spacer' }),
    button('Register Model Version…', () => ctx.act({ action: 'register' }), { secondary: true, disabled: !ctx.view.trusted })));
  root.append(list);
  render(query);
  return root;
}

function matches(m: ModelSummary, q: string): boolean {
  if (!q.trim()) return true;
  const hay = [m.name, m.description, m.sourceLabel, ...Object.entries(m.tags).flat(), ...Object.keys(m.aliases).map((a) => `@${a}`)].join('\n').toLowerCase();
  return q.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
}

function table(ctx: PageContext, folder: string, models: ModelSummary[]): HTMLElement {
  return h('table', { class: 'grid-table', 'aria-label': 'Registered models' },
    h('thead', {}, h('tr', {}, ...['Model', 'Versions', 'Aliases', 'Stages', 'Updated', 'Description'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...models.map((m) => h('tr', {},
      h('td', {}, link(m.name, () => ctx.navigate({ page: 'model', folder, model: m.id }), { class: 'model-link' }), m.readOnly ? pill(`${m.sourceLabel} · read-only`, 'source') : ''),
      h('td', { class: 'num' }, `${m.versionCount}${m.latestVersion ? ` (latest v${m.latestVersion})` : ''}`),
      h('td', {}, ...Object.entries(m.aliases).sort(([a], [b]) => a.localeCompare(b)).map(([a, v]) => pill(`@${a} → v${v}`, 'alias'))),
      h('td', {}, ...Object.entries(m.stages).filter(([s]) => s !== 'None' && s !== 'Archived').map(([s, vs]) => h('span', {}, stagePill(s), ` v${vs!.join(', v')} `))),
      h('td', { title: fmtDate(m.updatedAt) }, fmtAge(m.updatedAt)),
      h('td', { class: 'description' }, m.description),
    ))));
}
