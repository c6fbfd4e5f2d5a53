import type { CliCommand } from '../command.ts';
import { EXIT, UsageError, printJson, table } from '../io.ts';
import type { AuditAction, AuditEntry } from '../../engine/registry/api.ts';
import { withRegistry } from './registryCommon.ts';

const ACTIONS: readonly AuditAction[] = ['register', 'promote', 'alias', 'remove-alias', 'delete', 'edit', 'restore'];

function change(e: AuditEntry): string {
  const f = e.from ?? {};
  const t = e.to ?? {};
  switch (e.action) {
    case 'register': return `registered ${String(e.detail.path ?? '')} ${String(e.detail.hash ?? '').slice(0, 8)}`;
    case 'promote': return `${String(f.stage ?? '?')} → ${String(t.stage ?? '?')}`;
    case 'alias': return `@${String(t.alias)}: ${f.version === null ? 'none' : `v${String(f.version)}`} → v${String(t.version)}`;
    case 'remove-alias': return `@${String(f.alias)} removed (was v${String(f.version)})`;
    case 'delete': return `deleted (was ${String(f.stage ?? '?')})`;
    case 'edit': return e.detail.card ? 'model card edited' : 'description/tags edited';
    case 'restore': return `restored to ${String(e.detail.path ?? '')}`;
  }
  return '';
}

const logCommand: CliCommand = {
  name: ['audit', 'log'],
  summary: 'The registry audit trail, newest first: who changed what, when, from → to, with check results',
  usage: '[--model <name>] [--version <n>] [--actor <email>] [--action <action>] [--limit <n>] [--json]',
  details: `Blocked promotions (a gate failed) and refusals (the policy said no) are recorded too.
Actions: ${ACTIONS.join(', ')}.`,
  options: { model: { type: 'string' }, version: { type: 'string' }, actor: { type: 'string' }, action: { type: 'string' }, limit: { type: 'string' } },
  async run({ io, values, json }) {
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got ${JSON.stringify(values.limit)}`);
    const version = values.version === undefined ? undefined : Number(String(values.version).replace(/^v/i, ''));
    if (version !== undefined && !Number.isInteger(version)) throw new UsageError(`--version must be a number, got ${JSON.stringify(values.version)}`);
    const action = values.action as AuditAction | undefined;
    if (action !== undefined && !ACTIONS.includes(action)) throw new UsageError(`unknown --action '${action}'; actions: ${ACTIONS.join(', ')}`);
    const entries = await withRegistry(io, async (r) => r.auditLog({
      limit, ...(values.model !== undefined ? { model: values.model as string } : {}), ...(version !== undefined ? { version } : {}),
      ...(values.actor !== undefined ? { actor: values.actor as string } : {}), ...(action ? { action } : {}),
    }));
    if (json) {
      printJson(io, entries);
      return EXIT.ok;
    }
    if (entries.length === 0) {
      io.out('The audit trail is empty.\n');
      return EXIT.ok;
    }
    const rows = [['#', 'WHEN', 'WHO', 'VIA', 'MODEL', 'ACTION', 'OUTCOME', 'CHANGE']];
    for (const e of entries) {
      rows.push([String(e.seq), e.at.slice(0, 19).replace('T', ' '), e.actor, e.origin, `${e.model}${e.version === null ? '' : ` v${e.version}`}`, e.action, e.outcome, change(e)]);
    }
    io.out(table(rows));
    for (const e of entries.filter((x) => x.outcome !== 'applied')) {
      io.out(`\n#${e.seq} ${e.outcome}: ${String(e.detail.reason ?? e.detail.rule ?? '')}\n`);
      for (const c of e.checks) io.out(`  ${c.passed ? '✓' : '✗'} ${c.name}: ${c.detail}\n`);
    }
    return EXIT.ok;
  },
};

const verifyCommand: CliCommand = {
  name: ['audit', 'verify'],
  summary: 'Check the audit trail hash chain (store and JSONL mirror); report the first bad entry',
  usage: '[--json]',
  details: 'Exit code 1 when an entry was edited, deleted or reordered, or the mirror and the store disagree.',
  async run({ io, json }) {
    const v = await withRegistry(io, (r) => r.verifyAudit());
    if (json) printJson(io, v);
    else if (v.ok) {
      io.out(`ok  ${v.entries} entries, chain intact${v.head ? ` (head ${v.head.slice(0, 16)}…)` : ''}; mirror ${v.mirror.present ? `${v.mirror.entries} entries, consistent` : 'not present'}  [${v.durationMs} ms]\n`);
    } else {
      const b = v.firstBad!;
      io.out(`TAMPERED  first bad entry: #${b.seq} in the ${b.where === 'store' ? 'store' : `mirror (${v.mirror.file}${b.line ? `:${b.line}` : ''})`}\n  ${b.message}\n`);
      if (b.expected || b.actual) io.out(`  expected ${b.expected ?? '-'}\n  found    ${b.actual ?? '-'}\n`);
      if (v.problems.length > 1) io.out(`  (${v.problems.length - 1} more problem${v.problems.length > 2 ? 's' : ''}; --json lists them)\n`);
    }
    return v.ok ? EXIT.ok : EXIT.failure;
  },
};

export const AUDIT_COMMANDS: readonly CliCommand[] = [logCommand, verifyCommand];
