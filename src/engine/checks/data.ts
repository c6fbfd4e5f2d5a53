/**
 * Data checks on one file, in one streaming pass: the data layer's profile (types, missing counts,
 * row count, newest timestamp) plus per-batch counters for the rules that need every value (range,
 * allowed categories, regex, duplicate keys), each remembering the first offending row and line
 * so a failure points at the data. Memory is bounded whatever the file size.
 */
import { promises as fs } from 'node:fs';
import { ioError, openDataset } from '../data/reader.ts';
import { MlopsError } from '../errors.ts';
import type { RowBatch } from '../data/reader.ts';
import { profileDataset } from '../data/profile.ts';
import type { DatasetProfile } from '../data/profile.ts';
import { DuplicateFinder } from '../data/duplicates.ts';
import type { StorageType } from '../data/infer.ts';
import { suggest } from '../pipeline/suggest.ts';
import { errored, failed, passed, runtimeError } from './outcome.ts';
import type { Outcome } from './outcome.ts';
import { fmtPct, rangeText } from './rules.ts';
import { CategoryCounter, MAX_EXAMPLES, RangeCounter, RegexCounter, quoteValue } from './counters.ts';
import type { FirstHit, ValueCounter } from './counters.ts';
import type { DataRule, ExpectedType } from './types.ts';

export interface DataFile {
  /** Absolute path. */
  path: string;
  /** As shown in reports (workspace-relative). */
  label: string;
}

const n = (x: number): string => x.toLocaleString('en-US');

type Evaluator = {
  add?(batch: RowBatch): void;
  finish(ctx: FileContext): Outcome | Promise<Outcome>;
};

interface FileContext {
  file: DataFile;
  profile: DatasetProfile;
  columns: readonly string[];
  mtimeMs: number;
  now: number;
}

function fileLink(ctx: FileContext, hit?: FirstHit): Outcome['links'] {
  const where = hit?.line !== undefined ? `${ctx.file.label}:${hit.line}` : hit ? `${ctx.file.label} row ${n(hit.row)}` : ctx.file.label;
  return [{ kind: 'file', path: ctx.file.path, ...(hit?.line !== undefined ? { line: hit.line } : {}), label: where }];
}

function firstText(hit: FirstHit | undefined): string {
  if (!hit) return '';
  return `row ${n(hit.row)}${hit.line !== undefined ? ` (line ${n(hit.line)})` : ''}`;
}

/** A column the rule needs that the file lacks: errored (the value cannot be measured), with a suggestion. */
function missingColumn(ctx: FileContext, column: string): Outcome | undefined {
  if (ctx.columns.includes(column)) return undefined;
  const hint = suggest(column, ctx.columns);
  return runtimeError(`column ${JSON.stringify(column)} is not in ${ctx.file.label}`, hint ?? `its columns are: ${ctx.columns.map((c) => JSON.stringify(c)).join(', ') || '(none)'}`, { links: fileLink(ctx) });
}

function emptyData(ctx: FileContext): Outcome | undefined {
  if (ctx.profile.rows > 0) return undefined;
  return runtimeError(`${ctx.file.label} has no rows: there are no values to check`, 'an empty dataset usually means an upstream step failed; add a rows check to fail on it explicitly', { links: fileLink(ctx), actual: '0 rows' });
}

function typeMatches(expected: ExpectedType, actual: StorageType): boolean {
  switch (expected) {
    case 'any': return true;
    case 'number': return actual === 'integer' || actual === 'float';
    // Whole numbers in a float column read as integers; a float column may hold them.
    case 'float': return actual === 'integer' || actual === 'float';
    default: return expected === actual;
  }
}

function counterOutcome(ctx: FileContext, c: ValueCounter, expected: string, what: string, extra: string[] = []): Outcome {
  const links = fileLink(ctx, c.first);
  if (c.bad === 0) return passed(`${n(c.checked)} values of ${c.column} ${what}`, { expected, actual: `0 of ${n(c.checked)} outside`, measured: 0, links });
  const share = c.checked ? c.bad / c.checked : 0;
  const examples = c.topExamples();
  return failed(`${n(c.bad)} of ${n(c.checked)} values of ${c.column} (${fmtPct(share)}) break the rule, first at ${firstText(c.first)}: ${examples.join(', ')}${c.examples.size > examples.length || c.otherBad ? ', …' : ''}`, {
    expected,
    actual: `${n(c.bad)} of ${n(c.checked)} values outside (${fmtPct(share)})`,
    measured: c.bad,
    details: [...extra, `offending values: ${examples.join(', ')}${c.examples.size > examples.length || c.otherBad ? ', …' : ''}`],
    links,
  });
}

function evaluatorFor(rule: DataRule): Evaluator {
  switch (rule.kind) {
    case 'rows':
      return {
        finish(ctx) {
          const rows = ctx.profile.rows;
          const expected = rule.min !== null && rule.max !== null ? `${n(rule.min)} ≤ rows ≤ ${n(rule.max)}` : rule.min !== null ? `rows ≥ ${n(rule.min)}` : `rows ≤ ${n(rule.max!)}`;
          const ok = (rule.min === null || rows >= rule.min) && (rule.max === null || rows <= rule.max);
          const skipped = ctx.profile.skippedRows ? [`${n(ctx.profile.skippedRows)} malformed rows were skipped`] : [];
          const o = { expected, actual: `${n(rows)} rows`, measured: rows, links: fileLink(ctx), details: skipped };
          return ok ? passed(`${ctx.file.label} has ${n(rows)} rows`, o) : failed(`${ctx.file.label} has ${n(rows)} rows, needs ${expected}`, o);
        },
      };
    case 'schema':
      return {
        finish(ctx) {
          const problems: string[] = [];
          const byName = new Map(ctx.profile.columns.map((c) => [c.name, c]));
          for (const want of rule.columns) {
            const col = byName.get(want.name);
            if (!col) {
              const hint = suggest(want.name, ctx.columns);
              problems.push(`missing column ${JSON.stringify(want.name)}${hint ? ` (${hint})` : ''}`);
              continue;
            }
            // An all-missing column has no type to compare; the missing check is the place to catch it.
            if (col.storageType === 'empty' || typeMatches(want.type, col.storageType)) continue;
            const why = col.invalid ? `; ${n(col.invalid.count)} value(s) are not ${want.type}, e.g. ${col.invalid.examples.slice(0, 2).map(quoteValue).join(', ')}` : '';
            problems.push(`${JSON.stringify(want.name)} is ${col.storageType}, expected ${want.type}${why}`);
          }
          if (!rule.allowExtra) {
            const declared = new Set(rule.columns.map((c) => c.name));
            const extra = ctx.columns.filter((c) => !declared.has(c));
            if (extra.length) problems.push(`unexpected column${extra.length > 1 ? 's' : ''} ${extra.map((e) => JSON.stringify(e)).join(', ')}`);
          }
          const expected = `${rule.columns.map((c) => `${c.name}: ${c.type}`).join(', ')}${rule.allowExtra ? '' : ' (no other columns)'}`;
          const actual = ctx.profile.columns.map((c) => `${c.name}: ${c.storageType}`).join(', ') || '(no columns)';
          const o = { expected, actual, measured: problems.length, links: fileLink(ctx) };
          if (problems.length === 0) return passed(`${ctx.file.label} has the expected ${n(rule.columns.length)} columns and types`, o);
          return failed(`${ctx.file.label}: ${problems.join('; ')}`, { ...o, details: problems });
        },
      };
    case 'missing':
      return {
        finish(ctx) {
          const gone = missingColumn(ctx, rule.column) ?? emptyData(ctx);
          if (gone) return gone;
          const col = ctx.profile.columns.find((c) => c.name === rule.column)!;
          const share = col.missingShare;
          const o = { expected: `≤ ${fmtPct(rule.max)} missing`, actual: `${fmtPct(share)} missing (${n(col.missing)} of ${n(col.rows)} rows)`, measured: share, links: fileLink(ctx) };
          return share <= rule.max
            ? passed(`${rule.column}: ${fmtPct(share)} missing`, o)
            : failed(`${rule.column}: ${fmtPct(share)} of the rows are missing (${n(col.missing)} of ${n(col.rows)}), allowed ≤ ${fmtPct(rule.max)}`, o);
        },
      };
    case 'range': {
      const c = new RangeCounter(rule);
      return {
        add: (b) => c.add(b),
        finish(ctx) {
          const gone = missingColumn(ctx, rule.column) ?? emptyData(ctx);
          if (gone) return gone;
          const expected = rangeText(rule.min, rule.max, rule.exclusive);
          const seen = Number.isFinite(c.lowest) ? `observed ${c.lowest} … ${c.highest}` : 'no numeric values';
          if (c.checked === 0) return runtimeError(`${rule.column} has no values in ${ctx.file.label} (all missing)`, 'add a missing check to catch this explicitly', { links: fileLink(ctx), expected });
          const o = counterOutcome(ctx, c, expected, `are ${expected}`, [seen, ...(c.notNumbers ? [`${n(c.notNumbers)} value(s) are not numbers`] : [])]);
          if (o.status === 'passed') o.actual = seen;
          else if (c.notNumbers) o.message += ` (${n(c.notNumbers)} not numbers)`;
          return o;
        },
      };
    }
    case 'categories': {
      const c = new CategoryCounter(rule);
      return {
        add: (b) => c.add(b),
        finish(ctx) {
          const gone = missingColumn(ctx, rule.column) ?? emptyData(ctx);
          if (gone) return gone;
          const expected = `one of ${rule.allowed.map(quoteValue).join(', ')}`;
          const o = counterOutcome(ctx, c, expected, 'are allowed categories');
          if (o.status === 'failed') {
            const unseen = [...c.examples.keys()];
            o.message = `${rule.column} has value${unseen.length > 1 ? 's' : ''} outside the allowed categories: ${c.topExamples().join(', ')}${unseen.length > MAX_EXAMPLES || c.otherBad ? ', …' : ''} — ${n(c.bad)} of ${n(c.checked)} rows (${fmtPct(c.bad / c.checked)}), first at ${firstText(c.first)}`;
            o.actual = `new: ${c.topExamples().join(', ')}`;
          }
          return o;
        },
      };
    }
    case 'regex': {
      const c = new RegexCounter(rule);
      return {
        add: (b) => c.add(b),
        finish(ctx) {
          const gone = missingColumn(ctx, rule.column) ?? emptyData(ctx);
          if (gone) return gone;
          return counterOutcome(ctx, c, `matches /${rule.pattern}/`, `match /${rule.pattern}/`);
        },
      };
    }
    case 'unique': {
      let finder: DuplicateFinder | undefined;
      return {
        add(b) {
          if (!finder && rule.columns.every((k) => b.columns.includes(k))) finder = new DuplicateFinder(rule.columns, 20_000_000);
          finder?.add(b);
        },
        finish(ctx) {
          for (const col of rule.columns) {
            const gone = missingColumn(ctx, col);
            if (gone) return gone;
          }
          const empty = emptyData(ctx);
          if (empty) return empty;
          const report = finder!.report();
          const ex = report.examples[0];
          const hit = ex ? { row: ex.row, ...(ex.line !== undefined ? { line: ex.line } : {}) } : undefined;
          const key = rule.columns.join(' + ');
          const o = { expected: `no repeated ${key}`, actual: `${n(report.duplicateRows)} repeated of ${n(report.checkedRows)} rows`, measured: report.duplicateRows, links: fileLink(ctx, hit), details: report.complete ? [] : [report.note] };
          if (report.duplicateRows === 0) return passed(`${key}: ${n(report.distinctKeys)} distinct keys, none repeated`, o);
          const examples = report.examples.slice(0, MAX_EXAMPLES).map((e) => `${e.key.map((v) => quoteValue(String(v))).join(', ')} at ${firstText({ row: e.row, ...(e.line !== undefined ? { line: e.line } : {}) })}`);
          return failed(`${n(report.duplicateRows)} row(s) repeat an earlier ${key}, first at ${firstText(hit)}: ${examples[0]}`, { ...o, details: [...o.details, ...examples] });
        },
      };
    }
    case 'freshness':
      return {
        finish(ctx) {
          let newest: number;
          let what: string;
          if (rule.column === null) {
            newest = ctx.mtimeMs;
            what = `${ctx.file.label} was modified`;
          } else {
            const gone = missingColumn(ctx, rule.column) ?? emptyData(ctx);
            if (gone) return gone;
            const col = ctx.profile.columns.find((c) => c.name === rule.column)!;
            if (!col.datetime) return runtimeError(`${rule.column} in ${ctx.file.label} holds no ISO 8601 dates (it reads as ${col.storageType})`, 'point freshness.column at a date or timestamp column, or drop column to check the file age', { links: fileLink(ctx) });
            newest = Date.parse(col.datetime.max);
            what = `the newest ${rule.column} is ${col.datetime.max}, `;
          }
          const age = ctx.now - newest;
          const o = { expected: `age ≤ ${rule.maxAge}`, actual: `age ${formatAge(age)}`, measured: age / 1000, links: fileLink(ctx) };
          return age <= rule.maxAgeMs
            ? passed(`${what}${rule.column === null ? ' ' : ''}${formatAge(age)} ago`, o)
            : failed(`${what}${rule.column === null ? ' ' : ''}${formatAge(age)} ago, allowed ${rule.maxAge}`, o);
        },
      };
  }
}

export function formatAge(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

export interface FileCheckResult {
  outcomes: Outcome[];
  rows: number | null;
}

/**
 * Evaluate `rules` against one data file. A file that cannot be read makes every rule errored
 * with the reader's message (file and line for malformed rows); nothing throws.
 */
export async function checkDataFile(file: DataFile, rules: readonly DataRule[], options: { now?: number; signal?: AbortSignal } = {}): Promise<FileCheckResult> {
  const evaluators = rules.map(evaluatorFor);
  const adders = evaluators.filter((e) => e.add);
  let mtimeMs: number;
  let profile: DatasetProfile;
  try {
    try {
      mtimeMs = (await fs.stat(file.path)).mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new MlopsError('not-found', `${file.label} does not exist`, { location: { file: file.path }, hint: 'check the path (relative to the workspace root), or run the stage that writes it' });
      }
      throw ioError(file.path, e);
    }
    const source = await openDataset(file.path);
    const result = await profileDataset(source, {
      ...(options.signal ? { signal: options.signal } : {}),
      onBatch: adders.length ? (b) => { for (const e of adders) e.add!(b); } : undefined,
    });
    profile = result.profile;
  } catch (e) {
    const link = { kind: 'file' as const, path: file.path, label: file.label };
    const o = errored(e, { links: [link] });
    // The reader's errors are about the data, not the checks file.
    if (o.errorKind === 'config') o.errorKind = 'runtime';
    return { outcomes: rules.map(() => ({ ...o, details: [...o.details] })), rows: null };
  }
  const ctx: FileContext = { file, profile, columns: profile.columns.map((c) => c.name), mtimeMs, now: options.now ?? Date.now() };
  const outcomes: Outcome[] = [];
  for (const e of evaluators) {
    try {
      outcomes.push(await e.finish(ctx));
    } catch (err) {
      outcomes.push(errored(err, { links: fileLink(ctx) }));
    }
  }
  return { outcomes, rows: profile.rows };
}
