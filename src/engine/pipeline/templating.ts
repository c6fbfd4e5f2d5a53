/**
 * dvc.yaml templating (formats.md A.3): the variables context (`params.yaml` by default, `vars`
 * files and inline dicts, stage-local `vars`), `${...}` interpolation with DVC's typing rules,
 * and `foreach`/`matrix` expansion with DVC's generated names.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { DEFAULT_PARAMS_FILE, readParamsFileText } from './params.ts';
import { isPlainObject, pyStr } from './values.ts';
import type { PyValue } from './values.ts';
import { suggest } from './suggest.ts';

/** `[parsing]` of `.dvc/config`: how booleans and lists in a dict become CLI arguments. */
export interface ParsingConfig {
  bool?: 'store_true' | 'boolean_optional';
  list?: 'nargs' | 'append';
}

/** A problem found while templating; the caller turns `at` into a dvc.yaml line. */
export class TemplateError extends Error {
  readonly at: ReadonlyArray<string | number>;
  readonly hint: string | undefined;
  constructor(message: string, at: ReadonlyArray<string | number>, hint?: string) {
    super(message);
    this.name = 'TemplateError';
    this.at = at;
    this.hint = hint;
  }
}

type Dict = Record<string, PyValue>;

function deepCopy<T extends PyValue>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isPlainObject(v)) {
    const out: Dict = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepCopy(x as PyValue);
    return out as T;
  }
  return v;
}

/** The variables visible to one stage, with where each came from (for "cannot redefine" errors). */
export class Context {
  data: Dict = {};
  private sources = new Map<string, string>();
  private imports = new Map<string, string[] | null>();
  private reserved = new Set<string>();
  /**
   * Every vars file looked at (absolute) with the text read, or null when it was absent (the
   * default params.yaml): what the stages depend on besides dvc.yaml. Shared by clones and views.
   */
  filesRead = new Map<string, string | null>();

  clone(): Context {
    const c = new Context();
    c.filesRead = this.filesRead;
    c.data = deepCopy(this.data);
    c.sources = new Map(this.sources);
    c.imports = new Map([...this.imports].map(([k, v]) => [k, v ? [...v] : null]));
    c.reserved = new Set(this.reserved);
    return c;
  }

  /** A view with `item`/`key` set and reserved; nested data is shared, so never merge into it. */
  withReserved(values: Dict): Context {
    const c = new Context();
    c.data = { ...this.data, ...values };
    c.sources = this.sources;
    c.imports = this.imports;
    c.filesRead = this.filesRead;
    c.reserved = new Set([...this.reserved, ...Object.keys(values)]);
    return c;
  }

  private sourceOf(dotted: string): string {
    for (let p = dotted; ; p = p.slice(0, p.lastIndexOf('.'))) {
      const s = this.sources.get(p);
      if (s !== undefined) return s;
      if (!p.includes('.')) return '<unknown>';
    }
  }

  merge(update: Dict, source: string, at: ReadonlyArray<string | number>): void {
    const clash = Object.keys(update).filter((k) => this.reserved.has(k));
    if (clash.length) throw new TemplateError(`'${source}' attempts to redefine the reserved name${clash.length > 1 ? 's' : ''} ${clash.map((k) => `'${k}'`).join(', ')}`, at, 'item and key are set by foreach/matrix; rename the variable');
    const walk = (into: Dict, upd: Dict, prefix: string): void => {
      for (const [k, v] of Object.entries(upd)) {
        const dotted = prefix ? `${prefix}.${k}` : k;
        const cur = into[k];
        if (isPlainObject(cur) && isPlainObject(v)) walk(cur as Dict, v as Dict, dotted);
        else if (Object.hasOwn(into, k)) {
          throw new TemplateError(`cannot redefine '${dotted}' from '${source}' as it already exists in '${this.sourceOf(dotted)}'`, at,
            'each variable may be defined once across params.yaml and the vars entries');
        } else {
          into[k] = deepCopy(v);
          this.sources.set(dotted, source);
        }
      }
    };
    walk(this.data, update, '');
  }

  /** `path` or `path:key1,key2`, relative to `wdir` (absolute). `base` makes names readable. */
  mergeFile(item: string, wdir: string, base: string, at: ReadonlyArray<string | number>): void {
    const colon = item.indexOf(':');
    const rel = colon < 0 ? item : item.slice(0, colon);
    const keys = colon < 0 ? null : item.slice(colon + 1).split(',').filter(Boolean);
    const abs = path.resolve(wdir, rel);
    const shown = path.relative(base, abs).split(path.sep).join('/') || rel;
    const selected = keys && keys.length ? keys : null;
    if (this.imports.has(abs)) {
      const had = this.imports.get(abs)!;
      if (!selected && had === null) return; // the whole file twice is allowed
      if (!selected || had === null || selected.some((k) => had.includes(k))) {
        throw new TemplateError(`cannot load '${item}' as it is ${had === null ? 'already loaded' : 'partially loaded already'}`, at,
          'list each vars file once (or distinct keys of it)');
      }
    }
    if (!existsSync(abs)) throw new TemplateError(`vars file '${shown}' does not exist`, at, 'create it or fix the path');
    let data: Dict;
    try {
      const read = readParamsFileText(abs, shown);
      this.filesRead.set(abs, read.text);
      data = read.data;
    } catch (e) {
      throw new TemplateError((e as Error).message, at, (e as { hint?: string }).hint);
    }
    if (selected) {
      const picked: Dict = {};
      for (const k of selected) {
        if (!Object.hasOwn(data, k)) throw new TemplateError(`could not find '${k}' in '${shown}'`, at, suggest(k, Object.keys(data)));
        picked[k] = data[k]!;
      }
      data = picked;
    }
    this.merge(data, shown, at);
    const prev = this.imports.get(abs);
    this.imports.set(abs, selected === null ? null : [...(prev ?? []), ...selected]);
  }

  /** A `vars` list; `withDefault` first loads params.yaml from `wdir` when it exists. */
  loadVars(vars: PyValue, wdir: string, base: string, at: ReadonlyArray<string | number>, stageName?: string, withDefault = false): void {
    if (withDefault) {
      if (existsSync(path.join(wdir, DEFAULT_PARAMS_FILE))) this.mergeFile(DEFAULT_PARAMS_FILE, wdir, base, at);
      else this.filesRead.set(path.resolve(wdir, DEFAULT_PARAMS_FILE), null);
    }
    if (vars === null || vars === undefined) return;
    if (!Array.isArray(vars)) throw new TemplateError('"vars" must be a list of file names and mappings', at, 'write `vars:` followed by `- params.yaml` or `- {name: value}` items');
    vars.forEach((item, i) => {
      const here = [...at, i];
      if (typeof item === 'string') {
        if (findMatches(item).length) throw new TemplateError('interpolating is not allowed in "vars"', here, 'write the file name literally');
        this.mergeFile(item, wdir, base, here);
      } else if (isPlainObject(item)) {
        this.merge(item as Dict, `${stageName ? `${stageName}.` : ''}vars[${i}]`, here);
      } else throw new TemplateError('each "vars" item must be a file name or a mapping', here);
    });
  }

  select(expr: string, at: ReadonlyArray<string | number>): PyValue {
    const parts = parseExpr(expr, at);
    let cur: PyValue = this.data;
    for (const [i, part] of parts.entries()) {
      let next: PyValue | undefined;
      if (isPlainObject(cur)) next = Object.hasOwn(cur, part) ? (cur as Dict)[part] : undefined;
      else if (Array.isArray(cur) && /^[+-]?\d+$/.test(part)) {
        const n = Number(part);
        next = cur[n < 0 ? cur.length + n : n];
      }
      if (next === undefined) {
        const known = isPlainObject(cur) ? Object.keys(cur) : [];
        const where = i === 0 ? '' : ` (no '${part}' in '${parts.slice(0, i).join('.')}')`;
        throw new TemplateError(`undefined variable '${expr.trim()}'${where}`, at,
          suggest(part, known) ?? (i === 0 ? 'define it in params.yaml or under "vars"' : undefined));
      }
      cur = next;
    }
    return cur;
  }
}

const KEYCRE = /(?<!\\)\$\{(.*?)\}/g;

function findMatches(s: string): RegExpExecArray[] {
  return [...s.matchAll(KEYCRE)];
}

/** `a.b[0]` → ['a', 'b', '0']: words without `.[]`, joined by `.word` or `[word]`. */
function parseExpr(inner: string, at: ReadonlyArray<string | number>): string[] {
  if (!/^[^.[\]]+(?:\.[^.[\]]+|\[[^.[\]]+\])*$/.test(inner)) {
    throw new TemplateError(`'\${${inner}}' is not a valid expression`, at, 'use names joined by dots and [index], e.g. ${train.layers[0]}');
  }
  return inner.replace(/\[/g, '.').replace(/\]/g, '').split('.').map((p) => p.trim());
}

export interface ResolveOptions {
  ctx: Context;
  /** The top-level stage field being resolved (`cmd`, `deps` …); null where any type may be interpolated. */
  key: string | null;
  parsing: ParsingConfig;
}

export function resolveValue(v: PyValue, opts: ResolveOptions, at: Array<string | number>): PyValue {
  if (typeof v === 'string') return resolveStr(v, opts, at);
  if (Array.isArray(v)) return v.map((x, i) => resolveValue(x, opts, [...at, i]));
  if (isPlainObject(v)) {
    const out: Dict = {};
    for (const [k, x] of Object.entries(v)) {
      const rk = resolveStr(k, opts, [...at, k]);
      out[typeof rk === 'string' ? rk : toStr(rk, opts.parsing, [...at, k])] = resolveValue(x as PyValue, opts, [...at, k]);
    }
    return out;
  }
  return v;
}

function typeName(v: PyValue): string {
  return Array.isArray(v) ? 'list' : isPlainObject(v) ? 'dict' : typeof v;
}

function checkValue(v: PyValue, key: string | null, at: ReadonlyArray<string | number>): void {
  const composite = Array.isArray(v) || isPlainObject(v);
  if (composite && key !== null && !key.includes('foreach')) {
    if (isPlainObject(v) && key === 'cmd') return;
    throw new TemplateError(`cannot interpolate data of type '${typeName(v)}' into "${key}"`, at,
      key === 'cmd' ? 'only scalars and dicts (rendered as --key value arguments) can go into cmd' : 'interpolate a single value, e.g. ${section.key}');
  }
}

export function resolveStr(src: string, opts: ResolveOptions, at: ReadonlyArray<string | number>): PyValue {
  const matches = findMatches(src);
  if (matches.length === 1 && matches[0]![0] === src) {
    const value = opts.ctx.select(matches[0]![1]!, at);
    checkValue(value, opts.key, at);
    // DVC would return the dict itself; as a whole cmd it can only mean "these arguments".
    if (opts.key === 'cmd' && isPlainObject(value)) return toStr(value, opts.parsing, at);
    return value;
  }
  let buf = '';
  let index = 0;
  for (const m of matches) {
    const value = opts.ctx.select(m[1]!, at);
    checkValue(value, opts.key, at);
    buf += src.slice(index, m.index) + toStr(value, opts.parsing, at);
    index = m.index + m[0].length;
  }
  return (buf + src.slice(index)).replaceAll('\\${', '${');
}

/** How a value reads inside a string: booleans true/false, dicts as CLI arguments. */
export function toStr(v: PyValue, parsing: ParsingConfig, at: ReadonlyArray<string | number>): string {
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (isPlainObject(v)) return dictToArgs(v as Dict, parsing, at);
  return pyStr(v);
}

function flatten(d: Dict, prefix = '', out: Dict = {}): Dict {
  for (const [k, v] of Object.entries(d)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v)) flatten(v as Dict, key, out);
    else out[key] = v;
  }
  return out;
}

function dictToArgs(d: Dict, parsing: ParsingConfig, at: ReadonlyArray<string | number>): string {
  let result = '';
  for (const [k, v] of Object.entries(flatten(d))) {
    if (typeof v === 'boolean') {
      if (v) result += `--${k} `;
      else if (parsing.bool === 'boolean_optional') result += `--no-${k} `;
    } else if (typeof v === 'string') {
      result += `--${k} ${escapeArg(v)} `;
    } else if (Array.isArray(v)) {
      v.forEach((item, n) => {
        if (Array.isArray(item) || isPlainObject(item)) throw new TemplateError(`cannot interpolate nested iterable in '${k}'`, at, 'only flat lists become repeated arguments');
        const s = typeof item === 'string' ? escapeArg(item) : pyStr(item);
        if (parsing.list === 'append') result += `--${k} ${s} `;
        else result += n > 0 ? `${s} ` : `--${k} ${s} `;
      });
    } else {
      result += `--${k} ${pyStr(v)} `;
    }
  }
  return result.replace(/\s+$/, '');
}

/** POSIX `shlex.quote`; on Windows, `subprocess.list2cmdline` of one argument. */
export function escapeArg(s: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return list2cmdline(s);
  if (s === '') return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

function list2cmdline(arg: string): string {
  const needQuote = arg.includes(' ') || arg.includes('\t') || arg === '';
  let out = needQuote ? '"' : '';
  let bs = 0;
  for (const c of arg) {
    if (c === '\\') bs++;
    else if (c === '"') {
      out += '\\'.repeat(bs * 2) + '\\"';
      bs = 0;
    } else {
      out += '\\'.repeat(bs) + c;
      bs = 0;
    }
  }
  out += '\\'.repeat(bs);
  if (needQuote) out += '\\'.repeat(bs) + '"';
  return out;
}

function isComposite(v: PyValue): boolean {
  return Array.isArray(v) || isPlainObject(v);
}

/** foreach: generated key → value, and whether `${key}` exists (dict iteration only). */
export function foreachItems(iterable: PyValue, parsing: ParsingConfig, at: ReadonlyArray<string | number>): { items: Array<[string, PyValue]>; withKey: boolean } {
  if (isPlainObject(iterable)) return { items: Object.entries(iterable as Dict), withKey: true };
  if (!Array.isArray(iterable)) {
    throw new TemplateError(`"foreach" must be a list or a mapping, got ${typeName(iterable)}`, at, 'iterate over a list, a mapping or a ${variable} holding one');
  }
  const byIndex = iterable.some(isComposite);
  return { items: iterable.map((v, i) => [byIndex ? String(i) : toStr(v, parsing, at), v]), withKey: false };
}

/** matrix: cartesian product in declaration order; names `frag1-frag2`, composites as `<axis><pos>`. */
export function matrixItems(matrix: PyValue, parsing: ParsingConfig, at: ReadonlyArray<string | number>): Array<[string, Dict]> {
  if (!isPlainObject(matrix)) throw new TemplateError('"matrix" must map axis names to lists', at);
  const axes = Object.entries(matrix as Dict);
  for (const [axis, values] of axes) {
    if (!Array.isArray(values)) throw new TemplateError(`matrix axis '${axis}' must be a list, got ${typeName(values)}`, [...at, axis], 'write a YAML list or a ${variable} holding one');
  }
  let combos: Array<{ frags: string[]; item: Dict }> = [{ frags: [], item: {} }];
  for (const [axis, values] of axes) {
    const next: typeof combos = [];
    for (const c of combos) {
      (values as PyValue[]).forEach((v, i) => {
        next.push({ frags: [...c.frags, isComposite(v) ? `${axis}${i}` : toStr(v, parsing, at)], item: { ...c.item, [axis]: v } });
      });
    }
    combos = next;
  }
  return combos.map((c) => [c.frags.join('-'), c.item]);
}

