/**
 * One rule per check: read from its YAML node with every mistake named at its own line (a
 * threshold that is not a number, a percentage above 100 %, a regex that does not compile), and
 * the words the reports use for it.
 */
import { parseExpression } from '../expr/index.ts';
import { MlopsError } from '../errors.ts';
import { suggest } from '../pipeline/suggest.ts';
import type { Located } from './located.ts';
import type { ExpectedType, Rule, RuleKind } from './types.ts';
import { EXPECTED_TYPES } from './types.ts';

/** Keys a check may have beside its rule, per rule. */
export const RULE_EXTRA_KEYS: Record<RuleKind, readonly string[]> = {
  schema: [], rows: [], range: [], categories: [], missing: [], unique: [], regex: [], freshness: [], metric: [],
  drift: ['dataset', 'reference', 'monitor'],
};

const RULE_KEYS: Partial<Record<RuleKind, readonly string[]>> = {
  schema: ['columns', 'allow_extra'],
  rows: ['min', 'max'],
  range: ['column', 'min', 'max', 'exclusive'],
  categories: ['column', 'values'],
  missing: ['column', 'max'],
  unique: ['columns', 'column'],
  regex: ['column', 'pattern'],
  freshness: ['max_age', 'column'],
};

const TYPE_ALIASES: Record<string, ExpectedType> = { int: 'integer', double: 'float', numeric: 'number', str: 'string', text: 'string', categorical: 'string', bool: 'boolean', date: 'datetime', timestamp: 'datetime' };

function mapping(node: Located, kind: RuleKind): void {
  if (!node.isMap()) throw node.fail(`'${kind}' takes a mapping, e.g. ${example(kind)}.`);
  const known = RULE_KEYS[kind] ?? [];
  for (const [k, v] of node.entries()) {
    if (!known.includes(k)) throw v.fail(`Unknown key '${k}' in a ${kind} check.`, suggest(k, known) ?? `Keys of ${kind}: ${known.join(', ')}.`);
  }
}

function example(kind: RuleKind): string {
  switch (kind) {
    case 'schema': return '- schema: { columns: { age: integer, contract: string }, allow_extra: false }';
    case 'rows': return '- rows: { min: 1000, max: 1000000 }';
    case 'range': return '- range: { column: age, min: 18, max: 85 }';
    case 'categories': return '- categories: { column: contract, values: [month-to-month, one-year] }';
    case 'missing': return '- missing: { column: total_charges, max: 5% }';
    case 'unique': return '- unique: customer_id';
    case 'regex': return "- regex: { column: signup_date, pattern: '^\\d{4}-\\d{2}-\\d{2}$' }";
    case 'freshness': return '- freshness: { max_age: 7d }';
    case 'metric': return '- metric: accuracy >= 0.9';
    case 'drift': return '- drift: drift.share < 0.3';
  }
}

function column(node: Located, kind: RuleKind): string {
  const c = node.get('column');
  const v = c?.value();
  if (v === undefined || v === null) throw node.fail(`A ${kind} check needs 'column'.`, `e.g. ${example(kind)}`);
  if (typeof v !== 'string' && typeof v !== 'number') throw c!.fail(`'column' must be a column name, got ${JSON.stringify(v)}.`);
  return String(v);
}

/** A finite number, or null when absent; `what` names it in the message. */
function num(node: Located | undefined, what: string, kind: RuleKind): number | null {
  if (!node || node.node === null) return null;
  const v = node.value();
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw node.fail(`The threshold '${what}' of this ${kind} check must be a number, got ${JSON.stringify(v)}.`, `e.g. ${example(kind)}`);
}

/** A share in [0, 1]: `0.05`, `5%` or `5 %`. */
function share(node: Located | undefined, what: string, kind: RuleKind): number | null {
  if (!node || node.node === null) return null;
  const v = node.value();
  let x: number | undefined;
  if (typeof v === 'number') x = v;
  else if (typeof v === 'string') {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*%\s*$/.exec(v);
    if (m) x = Number(m[1]) / 100;
  }
  if (x === undefined || !Number.isFinite(x)) throw node.fail(`The threshold '${what}' of this ${kind} check must be a share (0.05) or a percentage (5%), got ${JSON.stringify(v)}.`, `e.g. ${example(kind)}`);
  if (x < 0 || x > 1) throw node.fail(`The threshold '${what}' must be between 0 and 1 (0 % and 100 %), got ${JSON.stringify(v)}.`, 'A share of 0.05 means 5 % of the rows.');
  return x;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `15m`, `12h`, `7d`, `2w` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$/i.exec(text);
  return m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : undefined;
}

function expectedType(node: Located, name: string): ExpectedType {
  const v = node.value();
  const t = typeof v === 'string' ? (TYPE_ALIASES[v.toLowerCase()] ?? v.toLowerCase()) : v;
  if (typeof t !== 'string' || !(EXPECTED_TYPES as readonly string[]).includes(t)) {
    throw node.fail(`Column '${name}' has type ${JSON.stringify(v)}, which is not a type the schema check knows.`, suggest(String(v), EXPECTED_TYPES) ?? `Types: ${EXPECTED_TYPES.join(', ')}.`);
  }
  return t as ExpectedType;
}

function expression(node: Located, kind: RuleKind): string {
  const v = node.value();
  if (typeof v !== 'string' || v.trim() === '') throw node.fail(`A ${kind} check is an expression, got ${JSON.stringify(v)}.`, `e.g. ${example(kind)}`);
  try {
    parseExpression(v);
  } catch (e) {
    if (e instanceof MlopsError) {
      // The expression's own column is relative to its text; add it to the line of the value.
      const col = (e as { column?: number }).column;
      throw new MlopsError('config', `${kind} expression: ${e.message}`, { location: { file: node.file, line: node.line, ...(col ? { column: node.range().start.column + col - 1 } : {}) }, ...(e.hint ? { hint: e.hint } : {}) });
    }
    throw e;
  }
  return v;
}

function optionalText(node: Located | undefined, what: string): string | null {
  if (!node || node.node === null) return null;
  const v = node.value();
  if (typeof v !== 'string' || v.trim() === '') throw node.fail(`'${what}' must be ${what === 'monitor' ? 'a monitored dataset name' : 'a dataset name or a path'}, got ${JSON.stringify(v)}.`);
  return v;
}

/** Read the rule of a check; `check` is the whole list item (for keys beside the rule). */
export function parseRule(kind: RuleKind, node: Located, check: Located): Rule {
  switch (kind) {
    case 'schema': {
      mapping(node, kind);
      const cols = node.get('columns');
      if (!cols || !cols.isMap() || cols.entries().length === 0) throw (cols ?? node).fail("A schema check needs 'columns': a mapping of column names to types.", `e.g. ${example(kind)}`);
      const columns = cols.entries().map(([name, t]) => ({ name, type: expectedType(t, name) }));
      const extra = node.get('allow_extra');
      const allowExtra = extra?.value() ?? false;
      if (typeof allowExtra !== 'boolean') throw extra!.fail("'allow_extra' must be true or false.", 'false (the default): a column not listed fails the check.');
      return { kind, columns, allowExtra };
    }
    case 'rows': {
      mapping(node, kind);
      const min = num(node.get('min'), 'min', kind);
      const max = num(node.get('max'), 'max', kind);
      if (min === null && max === null) throw node.fail("A rows check needs 'min', 'max' or both.", `e.g. ${example(kind)}`);
      if (min !== null && max !== null && min > max) throw node.fail(`'min' (${min}) is above 'max' (${max}): no dataset could pass.`);
      return { kind, min, max };
    }
    case 'range': {
      mapping(node, kind);
      const col = column(node, kind);
      const min = num(node.get('min'), 'min', kind);
      const max = num(node.get('max'), 'max', kind);
      if (min === null && max === null) throw node.fail("A range check needs 'min', 'max' or both.", `e.g. ${example(kind)}`);
      if (min !== null && max !== null && min > max) throw node.fail(`'min' (${min}) is above 'max' (${max}): no value could pass.`);
      const ex = node.get('exclusive');
      const exclusive = ex?.value() ?? false;
      if (typeof exclusive !== 'boolean') throw ex!.fail("'exclusive' must be true or false.");
      return { kind, column: col, min, max, exclusive };
    }
    case 'categories': {
      mapping(node, kind);
      const col = column(node, kind);
      const vals = node.get('values');
      const v = vals?.value();
      if (!Array.isArray(v) || v.length === 0) throw (vals ?? node).fail("A categories check needs 'values': the allowed values.", `e.g. ${example(kind)}`);
      if (v.some((x) => x !== null && typeof x === 'object')) throw vals!.fail("'values' must be a list of plain values.");
      return { kind, column: col, allowed: v.map((x) => (x === null ? '' : String(x))) };
    }
    case 'missing': {
      mapping(node, kind);
      const col = column(node, kind);
      const max = share(node.get('max'), 'max', kind);
      if (max === null) throw node.fail("A missing check needs 'max': the largest share of missing values allowed.", `e.g. ${example(kind)}`);
      return { kind, column: col, max };
    }
    case 'unique': {
      const v = node.value();
      let cols: unknown = v;
      if (node.isMap()) {
        mapping(node, kind);
        cols = node.get('columns')?.value() ?? node.get('column')?.value();
      }
      const list = typeof cols === 'string' ? [cols] : cols;
      if (!Array.isArray(list) || list.length === 0 || list.some((c) => typeof c !== 'string' || c === '')) {
        throw node.fail('A unique check needs the key column(s): a name or a list of names.', 'e.g. - unique: customer_id, or - unique: [region, customer_id]');
      }
      return { kind, columns: list as string[] };
    }
    case 'regex': {
      mapping(node, kind);
      const col = column(node, kind);
      const p = node.get('pattern');
      const pattern = p?.value();
      if (typeof pattern !== 'string' || pattern === '') throw (p ?? node).fail("A regex check needs 'pattern'.", `e.g. ${example(kind)}`);
      let regex: RegExp;
      try {
        regex = new RegExp(pattern, 'u');
      } catch (e) {
        throw p!.fail(`The pattern is not a valid regular expression: ${(e as Error).message}.`, 'Quote it in single quotes in YAML so backslashes stay as written.');
      }
      return { kind, column: col, pattern, regex };
    }
    case 'freshness': {
      mapping(node, kind);
      const a = node.get('max_age');
      const text = a?.value();
      const ms = typeof text === 'string' ? parseDuration(text) : undefined;
      if (ms === undefined) throw (a ?? node).fail(`'max_age' must be a duration such as 12h, 7d or 2w, got ${JSON.stringify(text ?? null)}.`, 'Units: s, m, h, d, w.');
      const c = node.get('column');
      const col = c === undefined || c.value() === null ? null : column(node, kind);
      return { kind, maxAgeMs: ms, maxAge: String(text).trim(), column: col };
    }
    case 'metric':
      return { kind, expression: expression(node, kind) };
    case 'drift': {
      const expr = expression(node, kind);
      const dataset = optionalText(check.get('dataset'), 'dataset');
      const reference = optionalText(check.get('reference'), 'reference');
      const monitor = optionalText(check.get('monitor'), 'monitor');
      if (monitor !== null && (dataset !== null || reference !== null)) throw check.get('monitor')!.fail("A drift check reads either a monitored dataset's stored report ('monitor') or compares 'dataset' with 'reference', not both.");
      if (monitor === null && dataset === null) throw check.fail("A drift check needs 'dataset' (the current data; its reference from datasets:) or 'monitor' (a dataset of mlops.yaml monitoring:).", 'e.g.\n  - drift: drift.share < 0.3\n    dataset: batch');
      return { kind, expression: expr, dataset, reference, monitor };
    }
  }
}

const fmtNum = (x: number): string => (Number.isInteger(x) && Math.abs(x) >= 10_000 ? x.toLocaleString('en-US') : String(x));
export const fmtPct = (x: number): string => `${(100 * x).toFixed(x !== 0 && Math.abs(x) < 0.001 ? 3 : 1)} %`;

/** The rule in words, e.g. `age in [18, 85]`; also the `expected` side of a failure. */
export function ruleName(rule: Rule): string {
  switch (rule.kind) {
    case 'schema': return `schema: ${rule.columns.length} column${rule.columns.length === 1 ? '' : 's'}${rule.allowExtra ? '' : ', no others'}`;
    case 'rows':
      if (rule.min !== null && rule.max !== null) return `rows between ${fmtNum(rule.min)} and ${fmtNum(rule.max)}`;
      return rule.min !== null ? `at least ${fmtNum(rule.min)} rows` : `at most ${fmtNum(rule.max!)} rows`;
    case 'range': return `${rule.column} ${rangeText(rule.min, rule.max, rule.exclusive)}`;
    case 'categories': return `${rule.column} in {${rule.allowed.length <= 4 ? rule.allowed.join(', ') : `${rule.allowed.slice(0, 3).join(', ')}, … ${rule.allowed.length} values`}}`;
    case 'missing': return `${rule.column} ≤ ${fmtPct(rule.max)} missing`;
    case 'unique': return `${rule.columns.join(' + ')} unique`;
    case 'regex': return `${rule.column} matches ${rule.pattern}`;
    case 'freshness': return `${rule.column ? `newest ${rule.column}` : 'file'} at most ${rule.maxAge} old`;
    case 'metric': return rule.expression;
    case 'drift': return `${rule.expression} (${rule.monitor !== null ? `monitor ${rule.monitor}` : rule.dataset})`;
  }
}

export function rangeText(min: number | null, max: number | null, exclusive: boolean): string {
  if (min !== null && max !== null) return exclusive ? `in (${min}, ${max})` : `in [${min}, ${max}]`;
  if (min !== null) return `${exclusive ? '>' : '≥'} ${min}`;
  return `${exclusive ? '<' : '≤'} ${max}`;
}

/** The check's part of its id when it has no name: the rule and its column or expression. */
export function ruleKey(rule: Rule): string {
  switch (rule.kind) {
    case 'range':
    case 'categories':
    case 'missing':
    case 'regex':
      return `${rule.kind}:${rule.column}`;
    case 'unique': return `unique:${rule.columns.join('+')}`;
    case 'freshness': return rule.column ? `freshness:${rule.column}` : 'freshness';
    case 'metric': return `metric:${rule.expression.trim()}`;
    case 'drift': return `drift:${rule.monitor ?? rule.dataset}:${rule.expression.trim()}`;
    default: return rule.kind;
  }
}
