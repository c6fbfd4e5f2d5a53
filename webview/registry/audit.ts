/** The audit trail: a table of entries and the hash-chain verification, inline. */
import { h } from '../components/dom.ts';
import { button, section } from '../components/ui.ts';
import type { AuditPageData, WireAuditEntry } from '../../src/shared/registry.ts';
import type { AuditVerification } from '../../src/engine/registry/api.ts';
import { link, pill, type PageContext } from './context.ts';
import { fmtDate, fmtState } from './format.ts';

export function auditTable(entries: WireAuditEntry[], opts: { showModel: boolean; ctx?: PageContext; folder?: string }): HTMLElement {
  if (!entries.length) return h('p', { class: 'muted' }, 'No audit entries yet.');
  const cols = ['#', 'When', 'Who', 'Action', 'Outcome', ...(opts.showModel ? ['Model'] : []), 'Change', 'Checks / detail'];
  return h('table', { class: 'grid-table audit', 'aria-label': 'Audit trail' },
    h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...entries.map((e) => h('tr', { 'data-seq': e.seq, class: `outcome-${e.outcome}` },
      h('td', { class: 'num', title: `sha256 ${e.hash}` }, String(e.seq)),
      h('td', { title: e.at }, fmtDate(e.at)),
      h('td', {}, e.actor, h('span', { class: 'muted' }, ` via ${e.origin}`)),
      h('td', {}, e.action),
      h('td', {}, pill(e.outcome, `outcome-${e.outcome}`)),
      ...(opts.showModel ? [h('td', {}, opts.ctx && opts.folder && e.version !== null
        ? link(`${e.model} v${e.version}`, () => opts.ctx!.navigate({ page: 'version', folder: opts.folder!, model: e.model, version: e.version! }))
        : `${e.model}${e.version !== null ? ` v${e.version}` : ''}`)] : []),
      h('td', {}, changeOf(e)),
      h('td', { class: 'audit-detail' }, ...detailOf(e)),
    ))));
}

function changeOf(e: WireAuditEntry): string {
  if (e.action === 'register') return e.version !== null ? `new version v${e.version}` : 'registered';
  if (e.action === 'edit') return e.detail.card ? 'model card edited' : 'description / tags edited';
  if (e.action === 'restore') return 'artifact restored';
  return e.from || e.to ? `${fmtState(e.from)} → ${fmtState(e.to)}` : '';
}

function detailOf(e: WireAuditEntry): Array<Node | string> {
  const out: Array<Node | string> = [];
  for (const c of e.checks) out.push(h('div', { class: c.passed ? 'badge-ok' : 'badge-bad' }, `${c.passed ? '✓' : '✗'} ${c.name}: ${c.detail}`));
  const d = e.detail;
  const text = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
  if (e.outcome !== 'applied' && text('reason') && !e.checks.length) out.push(h('div', {}, text('reason')!));
  if (text('rule')) out.push(h('div', { class: 'muted' }, `rule: ${text('rule')}`));
  if (text('comment')) out.push(h('div', {}, `“${text('comment')}”`));
  if (text('path') || text('artifactPath')) out.push(h('div', { class: 'muted' }, text('path') ?? text('artifactPath')!));
  return out;
}

/** Verify button + the result, in place. */
export function verifyBox(ctx: PageContext, folder: string): HTMLElement {
  const result = h('div', { class: 'verify-result', role: 'status', 'aria-live': 'polite' });
  const run = async () => {
    result.replaceChildren(h('span', { class: 'muted' }, 'Verifying…'));
    try {
      show(result, await ctx.request('verifyAudit', { folder }));
    } catch (e) {
      result.replaceChildren(h('span', { class: 'error' }, (e as Error).message));
    }
  };
  return h('div', { class: 'verify' }, h('div', { class: 'toolbar' }, button('Verify Audit Trail', () => void run(), { secondary: true, id: 'verify-audit' })), result);
}

function show(el: HTMLElement, r: AuditVerification): void {
  if (r.ok) {
    el.replaceChildren(h('span', { class: 'badge-ok' }, `✓ OK — ${r.entries} entries, hash chain intact${r.head ? ` (head ${r.head.slice(0, 12)})` : ''}${r.mirror.present ? `; mirror agrees (${r.mirror.entries})` : ''} · ${Math.round(r.durationMs)} ms`));
    return;
  }
  const b = r.firstBad!;
  el.replaceChildren(
    h('div', { class: 'badge-bad' }, `✗ First bad entry: #${b.seq} in ${b.where === 'mirror' ? `the mirror${b.line ? `, line ${b.line}` : ''}` : 'the store'} — ${b.message}`),
    b.expected ? h('div', { class: 'muted mono' }, `expected ${b.expected}`, h('br'), `found    ${b.actual ?? '—'}`) : '',
    r.problems.length > 1 ? h('details', {}, h('summary', {}, `${r.problems.length} problems`), h('ul', {}, ...r.problems.map((p) => h('li', {}, `#${p.seq} (${p.where}${p.line ? ` line ${p.line}` : ''}) ${p.reason}: ${p.message}`)))) : '',
  );
}

export function auditPage(ctx: PageContext, data: AuditPageData): HTMLElement {
  const folder = data.folder.key;
  return h('div', { class: 'page audit-page' },
    h('h1', {}, data.model ? `Audit trail of ${data.model}` : 'Audit trail'),
    h('p', { class: 'muted' }, 'Every registration, promotion (applied, blocked or refused), alias move and edit, newest first. Each entry carries the SHA-256 of the one before it, so a changed or deleted entry breaks the chain.'),
    verifyBox(ctx, folder),
    data.model ? h('div', { class: 'toolbar' }, link('Show the whole trail', () => ctx.navigate({ page: 'audit', folder }))) : '',
    section(`${data.entries.length} entr${data.entries.length === 1 ? 'y' : 'ies'}`, auditTable(data.entries, { showModel: true, ctx, folder })),
  );
}
