/**
 * Lineage as a left-to-right chain: data → run (and its commit) → this model version → its
 * aliases and stage. Every node is a button: data reveals the file, the run opens in Experiments
 * (or its snapshot), the commit opens `git show`, the version and aliases reveal the tree item.
 */
import { h } from '../components/dom.ts';
import type { VersionPageData } from '../../src/shared/registry.ts';
import type { PageContext } from './context.ts';
import { fmtDate, shortHash } from './format.ts';

function node(kind: string, title: string, sub: string, onActivate: (() => void) | undefined, opts: { label?: string; cls?: string } = {}): HTMLElement {
  const body = [h('span', { class: 'node-kind' }, kind), h('span', { class: 'node-title' }, title), sub ? h('span', { class: 'node-sub' }, sub) : ''];
  if (!onActivate) return h('div', { class: `node static ${opts.cls ?? ''}`.trim() }, ...body);
  const b = h('button', { type: 'button', class: `node ${opts.cls ?? ''}`.trim(), 'aria-label': opts.label ?? `${kind} ${title}` }, ...body);
  b.addEventListener('click', onActivate);
  return b;
}

function column(label: string, ...nodes: HTMLElement[]): HTMLElement {
  return h('div', { class: 'lineage-col', role: 'listitem' }, h('div', { class: 'lineage-label' }, label), ...nodes);
}

const arrow = () => h('div', { class: 'lineage-arrow', 'aria-hidden': 'true' }, '→');

export function lineageView(ctx: PageContext, data: VersionPageData): HTMLElement {
  const v = data.version;
  const l = v.lineage;
  const folder = data.folder.key;
  const dataNodes = l.data.length
    ? l.data.map((d) => node('data', d.path, d.hash ? `md5 ${shortHash(d.hash)}` : '', () => ctx.act({ action: 'openData', folder, path: d.path, hash: d.hash }), { label: `data ${d.path}`, cls: 'n-data' }))
    : [node('data', 'not recorded', l.runId ? 'the run recorded no inputs' : 'no source run', undefined, { cls: 'n-missing' })];
  const runNode = l.runId && l.run
    ? node('run', l.run.name, [l.run.experiment, l.run.status, fmtDate(l.run.endedAt ?? l.run.startedAt)].filter(Boolean).join(' · '), () => ctx.act({ action: 'openRun', folder, model: v.model, version: v.version }), { label: `run ${l.run.name}`, cls: 'n-run' })
    : node('run', 'none', 'registered by hand', undefined, { cls: 'n-missing' });
  const commitNode = l.gitCommit
    ? node('commit', l.gitCommit.slice(0, 10), l.gitDirty ? 'with uncommitted changes' : 'clean tree', () => ctx.act({ action: 'openCommit', folder, commit: l.gitCommit! }), { label: `commit ${l.gitCommit.slice(0, 10)}`, cls: `n-commit${l.gitDirty ? ' dirty' : ''}` })
    : node('commit', 'not recorded', 'not a git repository', undefined, { cls: 'n-missing' });
  const versionNode = node('model version', `${v.model} v${v.version}`, `${v.artifactPath} · ${shortHash(v.hash)}`, () => ctx.act({ action: 'reveal', folder, model: v.model, version: v.version }), { label: `model version ${v.model} v${v.version}, show in the Models view`, cls: 'n-version' });
  const targets = [
    ...v.aliases.map((a) => node('alias', `@${a}`, '', () => ctx.act({ action: 'reveal', folder, model: v.model, version: v.version }), { label: `alias ${a}`, cls: 'n-alias' })),
    ...(v.stage !== 'None' ? [node('stage', v.stage, '', () => ctx.act({ action: 'reveal', folder, model: v.model, version: v.version }), { label: `stage ${v.stage}`, cls: `n-stage stage-${v.stage.toLowerCase()}` })] : []),
  ];
  return h('div', { class: 'lineage', role: 'list', 'aria-label': 'Lineage: data, run and commit, model version, aliases' },
    column('Data', ...dataNodes), arrow(),
    column('Run · code', runNode, commitNode), arrow(),
    column('Model', versionNode), arrow(),
    column('Serving', ...(targets.length ? targets : [node('alias', 'none yet', 'no alias or stage', undefined, { cls: 'n-missing' })])),
  );
}
