/** One model: aliases and stages now, key metrics across versions (chart), the versions, the card. */
import { h } from '../components/dom.ts';
import { button, checkbox, section } from '../components/ui.ts';
import { destroyChart, palette, themedChart } from '../components/chart.ts';
import type { Chart } from 'chart.js';
import type { ModelPageData, WireVersion } from '../../src/shared/registry.ts';
import { changeBlocker, link, pill, stagePill, type PageContext } from './context.ts';
import { fmtAge, fmtDate, fmtNum, num } from './format.ts';
import { renderMarkdown } from './markdown.ts';

let chart: Chart | undefined;

export function disposeModelPage(): void {
  destroyChart(chart);
  chart = undefined;
}

export function modelPage(ctx: PageContext, data: ModelPageData, chosen: string[] | undefined, onChoose: (keys: string[]) => void): HTMLElement {
  const m = data.model;
  const folder = data.folder.key;
  const blocked = changeBlocker(ctx.view, m.readOnly);
  const root = h('div', { class: 'page model-page' });
  root.append(h('h1', {}, m.name, ' ', m.readOnly ? pill(`${m.sourceLabel} · read-only`, 'source') : ''));
  if (m.description) root.append(h('p', { class: 'description' }, m.description));
  const facts = h('div', { class: 'facts' },
    h('span', {}, `${m.versionCount} version(s)`),
    ...Object.entries(m.aliases).sort(([a], [b]) => a.localeCompare(b)).map(([a, v]) => link(`@${a} → v${v}`, () => ctx.navigate({ page: 'version', folder, model: m.id, version: v }), { class: 'pill alias', title: `Open v${v}` })),
    ...Object.entries(m.stages).filter(([s]) => s === 'Production' || s === 'Staging').map(([s, vs]) => h('span', {}, stagePill(s), ` v${vs!.join(', v')}`)),
    ...Object.entries(m.tags).map(([k, v]) => pill(`${k}=${v}`, 'tag')),
  );
  root.append(facts);
  root.append(h('div', { class: 'toolbar' },
    button('Edit Model Card', () => ctx.act({ action: 'editCard', folder, model: m.id }), { secondary: true, disabled: Boolean(blocked), title: blocked }),
    m.readOnly ? '' : button('Audit Trail', () => ctx.navigate({ page: 'audit', folder, model: m.id }), { secondary: true }),
    button('Show in Models View', () => ctx.act({ action: 'reveal', folder, model: m.id }), { secondary: true }),
  ));

  if (data.metricKeys.length && data.versions.length) root.append(metricsChart(data, chosen, onChoose));
  root.append(section('Versions', versionsTable(ctx, folder, data.versions, data.metricKeys.slice(0, 4))));
  const card = h('div', { class: 'card' });
  if (data.card.generated) card.append(h('p', { class: 'muted' }, 'Nobody has written a model card yet; this one is generated from the registry. Edit it to keep your own.'));
  card.append(renderMarkdown(data.card.markdown));
  if (data.card.updatedAt) card.append(h('p', { class: 'muted' }, `Last edited ${fmtDate(data.card.updatedAt)}${data.card.updatedBy ? ` by ${data.card.updatedBy}` : ''}`));
  root.append(section('Model card', card));
  return root;
}

function metricsChart(data: ModelPageData, chosen: string[] | undefined, onChoose: (keys: string[]) => void): HTMLElement {
  const keys = data.metricKeys;
  let selected = (chosen ?? keys.slice(0, 3)).filter((k) => keys.includes(k));
  const versions = [...data.versions].sort((a, b) => a.version - b.version);
  const canvas = h('canvas', { role: 'img', 'aria-label': `Key metrics of ${data.model.name} by version` });
  const box = h('div', { class: 'chart-box' }, canvas);
  const draw = () => {
    destroyChart(chart);
    const colours = palette();
    chart = themedChart(canvas, () => ({
      type: 'line',
      data: {
        labels: versions.map((v) => `v${v.version}`),
        datasets: selected.map((k) => ({
          label: k,
          data: versions.map((v) => { const n = num(v.lineage.metrics[k]); return n === undefined || !Number.isFinite(n) ? null : n; }),
          borderColor: colours[keys.indexOf(k) % colours.length],
          backgroundColor: colours[keys.indexOf(k) % colours.length],
          spanGaps: true,
          tension: 0,
        })),
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { afterTitle: (items) => stageLine(versions[items[0]?.dataIndex ?? 0]) } } },
        scales: { x: { title: { display: true, text: 'version (registered in this order)' } } },
      },
    }));
  };
  const pickers = h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Metrics to chart' },
    ...keys.slice(0, 12).map((k) => checkbox(k, selected.includes(k), (on) => {
      selected = on ? [...selected, k] : selected.filter((x) => x !== k);
      onChoose(selected);
      draw();
    })));
  queueMicrotask(draw);
  return section('Key metrics by version', pickers, box);
}

function stageLine(v: WireVersion | undefined): string {
  if (!v) return '';
  return [v.stage !== 'None' ? v.stage : '', ...v.aliases.map((a) => `@${a}`), fmtDate(v.createdAt)].filter(Boolean).join(' · ');
}

function versionsTable(ctx: PageContext, folder: string, versions: WireVersion[], metrics: string[]): HTMLElement {
  if (!versions.length) return h('p', { class: 'muted' }, 'No versions.');
  return h('table', { class: 'grid-table versions', 'aria-label': 'Versions' },
    h('thead', {}, h('tr', {}, ...['Version', 'Stage', 'Aliases', 'Registered', 'By', 'Run', ...metrics].map((c, i) => h('th', { scope: 'col', class: i >= 6 ? 'num' : undefined }, c)))),
    h('tbody', {}, ...versions.map((v) => h('tr', {},
      h('td', {}, link(`v${v.version}`, () => ctx.navigate({ page: 'version', folder, model: v.model, version: v.version }), { class: 'version-link', 'aria-label': `Open version ${v.version}` })),
      h('td', {}, v.stage === 'None' ? h('span', { class: 'muted' }, '—') : stagePill(v.stage)),
      h('td', {}, ...v.aliases.map((a) => pill(`@${a}`, 'alias'))),
      h('td', { title: fmtDate(v.createdAt) }, fmtAge(v.createdAt)),
      h('td', {}, v.createdBy),
      h('td', {}, v.lineage.run?.name ?? h('span', { class: 'muted' }, '—')),
      ...metrics.map((k) => h('td', { class: 'num' }, fmtNum(v.lineage.metrics[k]))),
    ))));
}
