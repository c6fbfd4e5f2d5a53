/**
 * One version: actions, lineage, metrics against the previous version and production, whether it
 * may be promoted (dry runs with every check's values), the artifact, the model card, the audit.
 */
import { h } from '../components/dom.ts';
import { button, section } from '../components/ui.ts';
import type { Readiness, VersionPageData, WireVersion } from '../../src/shared/registry.ts';
import { changeBlocker, link, pill, stagePill, type PageContext } from './context.ts';
import { fmtBytes, fmtDate, fmtDelta, fmtNum, fmtParam } from './format.ts';
import { lineageView } from './lineage.ts';
import { renderMarkdown } from './markdown.ts';
import { auditTable, verifyBox } from './audit.ts';

export function versionPage(ctx: PageContext, data: VersionPageData): HTMLElement {
  const v = data.version;
  const folder = data.folder.key;
  const blocked = changeBlocker(ctx.view, v.readOnly);
  const ref = { folder, model: v.model, version: v.version };
  const root = h('div', { class: 'page version-page' });
  root.append(h('div', { class: 'crumbs' }, link(v.model, () => ctx.navigate({ page: 'model', folder, model: v.model })), ' › ', `v${v.version}`));
  root.append(h('h1', {}, `${v.model} v${v.version} `, v.stage !== 'None' ? stagePill(v.stage) : '', ...v.aliases.map((a) => pill(`@${a}`, 'alias')), v.readOnly ? pill('MLflow · read-only', 'source') : ''));
  if (v.description) root.append(h('p', { class: 'description' }, v.description));
  root.append(h('p', { class: 'muted' }, `Registered ${fmtDate(v.createdAt)} by ${v.createdBy}`));
  root.append(h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Version actions' },
    button('Promote…', () => ctx.act({ action: 'promote', ...ref, seenStage: v.stage }), { disabled: Boolean(blocked), title: blocked, id: 'promote' }),
    button('Set Alias…', () => ctx.act({ action: 'setAlias', ...ref }), { secondary: true, disabled: Boolean(blocked), title: blocked }),
    v.source === 'mlops' ? button('Restore Artifact', () => ctx.act({ action: 'restore', ...ref }), { secondary: true, disabled: !ctx.view.trusted, title: ctx.view.trusted ? `Put ${v.artifactPath} back as registered` : changeBlocker(ctx.view, false) }) : '',
    button('Edit Model Card', () => ctx.act({ action: 'editCard', folder, model: v.model }), { secondary: true, disabled: Boolean(blocked), title: blocked }),
    button('Show in Models View', () => ctx.act({ action: 'reveal', ...ref }), { secondary: true }),
  ));
  root.append(section('Lineage', lineageView(ctx, data)));
  root.append(section('Metrics', metricsTable(v, data.previous, data.production)));
  if (Object.keys(v.lineage.params).length) root.append(section('Params', paramsTable(v, data.previous)));
  if (data.readiness.length) root.append(section('Promotion readiness', readinessView(ctx, data, blocked)));
  root.append(section('Artifact', artifactView(ctx, data)));
  const card = h('div', { class: 'card' });
  if (data.card.generated) card.append(h('p', { class: 'muted' }, 'Generated from the registry — nobody has written this model card yet.'));
  card.append(renderMarkdown(data.card.markdown));
  root.append(section(`Model card of ${v.model}`, card));
  if (!v.readOnly) {
    root.append(section('Audit history of this version', auditTable(data.audit, { showModel: false }),
      h('div', { class: 'toolbar' }, link('Whole audit trail', () => ctx.navigate({ page: 'audit', folder }))), verifyBox(ctx, folder)));
  }
  return root;
}

function metricsTable(v: WireVersion, prev: WireVersion | null, prod: WireVersion | null): HTMLElement {
  const keys = [...new Set([v, prev, prod].flatMap((x) => (x ? Object.keys(x.lineage.metrics) : [])))].sort();
  if (!keys.length) {
    return h('p', { class: 'muted' }, v.lineage.runId ? 'The source run recorded no metrics.' : 'No metrics: the version was registered without a source run.');
  }
  const head = ['Metric', `This (v${v.version})`];
  if (prev) head.push(`Previous (v${prev.version})`, 'Δ');
  if (prod) head.push(`Production (v${prod.version})`, 'Δ');
  const delta = (a: WireVersion, k: string) => {
    const d = fmtDelta(a.lineage.metrics[k], v.lineage.metrics[k]);
    return h('td', { class: `num delta ${d.sign > 0 ? 'up' : d.sign < 0 ? 'down' : ''}` }, d.text);
  };
  return h('table', { class: 'grid-table metrics', 'aria-label': 'Metrics compared with the previous version and production' },
    h('thead', {}, h('tr', {}, ...head.map((c, i) => h('th', { scope: 'col', class: i ? 'num' : undefined }, c)))),
    h('tbody', {}, ...keys.map((k) => h('tr', {},
      h('td', {}, k),
      h('td', { class: 'num' }, fmtNum(v.lineage.metrics[k])),
      ...(prev ? [h('td', { class: 'num' }, fmtNum(prev.lineage.metrics[k])), delta(prev, k)] : []),
      ...(prod ? [h('td', { class: 'num' }, fmtNum(prod.lineage.metrics[k])), delta(prod, k)] : []),
    ))),
    h('caption', { class: 'muted' }, 'Δ = this version minus the other; whether up is better depends on the metric.'));
}

function paramsTable(v: WireVersion, prev: WireVersion | null): HTMLElement {
  const keys = [...new Set([...Object.keys(v.lineage.params), ...(prev ? Object.keys(prev.lineage.params) : [])])].sort();
  return h('table', { class: 'grid-table params', 'aria-label': 'Params' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Param'), h('th', { scope: 'col' }, `v${v.version}`), ...(prev ? [h('th', { scope: 'col' }, `v${prev.version}`)] : []))),
    h('tbody', {}, ...keys.map((k) => {
      const a = fmtParam(v.lineage.params[k]);
      const b = prev ? fmtParam(prev.lineage.params[k]) : a;
      return h('tr', { class: a !== b ? 'changed' : undefined }, h('td', {}, k), h('td', {}, a), ...(prev ? [h('td', {}, b)] : []));
    })));
}

function readinessView(ctx: PageContext, data: VersionPageData, blocked: string | undefined): HTMLElement {
  const v = data.version;
  return h('div', { class: 'readiness' }, ...data.readiness.map((r) => readinessRow(ctx, data, r, blocked, v)));
}

function readinessRow(ctx: PageContext, data: VersionPageData, r: Readiness, blocked: string | undefined, v: WireVersion): HTMLElement {
  const state = r.ok === null ? pill('current', 'outcome-applied') : r.ok ? pill('would pass', 'outcome-applied') : pill('blocked', 'outcome-blocked');
  const policy = r.policy.allowed
    ? h('div', { class: 'muted' }, `${r.policy.actor} may do this: ${r.policy.rule}`)
    : h('div', { class: 'badge-bad' }, `${r.policy.actor} may not: ${r.policy.rule} `, r.policy.location ? link('open rule', () => ctx.act({ action: 'openPolicy', file: r.policy.location!.file, line: r.policy.location!.line })) : '');
  const checks = r.checks.length
    ? h('ul', { class: 'checks' }, ...r.checks.map((c) => h('li', { class: c.passed ? 'badge-ok' : 'badge-bad' },
        `${c.passed ? '✓' : '✗'} ${c.name === c.expression ? c.expression : `${c.name} — ${c.expression}`}: ${c.detail}`,
        c.location ? h('span', {}, ' ', link(`${c.location.file.split(/[\\/]/).pop()}${c.location.line ? `:${c.location.line}` : ''}`, () => ctx.act({ action: 'openPolicy', file: c.location!.file, line: c.location!.line }))) : '')))
    : h('div', { class: 'muted' }, r.gates.length ? '' : 'No gates apply.');
  const canAct = r.ok !== null && !blocked && r.policy.allowed;
  const target = r.target;
  const title = blocked ?? (r.policy.allowed ? undefined : 'Not allowed by policy');
  const ref = { folder: data.folder.key, model: v.model, version: v.version };
  const action = target.kind === 'stage'
    ? button(`Promote to ${target.stage}`, () => ctx.act({ action: 'promote', ...ref, stage: target.stage, seenStage: v.stage }), { secondary: !r.ok, disabled: !canAct, title })
    : button(`Set @${target.alias}`, () => ctx.act({ action: 'setAlias', ...ref, alias: target.alias }), { secondary: !r.ok, disabled: !canAct, title });
  return h('div', { class: `ready-row ${r.ok === false ? 'is-blocked' : ''}`.trim(), 'data-target': r.label },
    h('div', { class: 'ready-head' }, h('strong', {}, r.label), ' ', state, ' ', r.ok === false ? h('span', { class: 'badge-bad' }, r.message) : '', h('span', { class: 'spacer' }), action),
    checks, policy);
}

function artifactView(ctx: PageContext, data: VersionPageData): HTMLElement {
  const v = data.version;
  const ref = { folder: data.folder.key, model: v.model, version: v.version };
  const rows: Array<[string, Node | string]> = [
    ['Path', v.source === 'mlops' ? link(v.artifactPath, () => ctx.act({ action: 'openArtifact', ...ref }), { title: 'Reveal in the Explorer' }) : v.artifactPath],
    ['Kind', `${v.kind === 'dir' ? 'folder' : 'file'} · ${fmtBytes(v.size)}${v.nfiles ? ` · ${v.nfiles} files` : ''}`],
    ['Hash', h('span', {}, h('code', {}, v.hash), ' ', link('copy', () => ctx.act({ action: 'copy', text: v.hash }), { 'aria-label': 'Copy hash' }))],
  ];
  if (v.source === 'mlops') {
    rows.push(['Local cache', data.availability === 'missing'
      ? h('span', { class: 'badge-bad' }, 'not in the local cache ', button('Pull from Remote', () => ctx.act({ action: 'restore', ...ref, pull: true }), { secondary: true, disabled: !ctx.view.trusted }))
      : data.availability === 'cached' ? h('span', { class: 'badge-ok' }, 'cached') : 'unknown']);
  }
  if (v.sourceUri) rows.push(['MLflow source', v.sourceUri]);
  const table = h('table', { class: 'grid-table kv' }, h('tbody', {}, ...rows.map(([k, val]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, val)))));
  const mm = v.mlmodel;
  if (!mm) return table;
  const sig = (label: string, fields: Array<{ name: string | null; type: string }> | null | undefined) => fields?.length
    ? h('div', {}, h('strong', {}, label), h('ul', {}, ...fields.map((f) => h('li', {}, `${f.name ?? '(unnamed)'}: ${f.type}`))))
    : '';
  return h('div', {}, table,
    h('h3', {}, `MLmodel (${mm.file})`),
    h('p', {}, `Flavors: ${mm.flavors.map((f) => f.name).join(', ') || '—'}${mm.mlflowVersion ? ` · MLflow ${mm.mlflowVersion}` : ''}`),
    sig('Inputs', mm.signature?.inputs), sig('Outputs', mm.signature?.outputs),
    ...mm.warnings.map((w) => h('p', { class: 'problem' }, w)));
}
