/**
 * A block-style YAML writer that reproduces what DVC's dumper (ruamel.yaml, round-trip mode,
 * `default_flow_style = False`, width 80, unicode allowed, YAML 1.2 resolver) writes for plain
 * data: the scalar style rules (plain, 'single', "double"), folding of long scalars past column
 * 80, indentless sequences under mapping keys and `[]`/`{}` for empty collections. dvc.lock has
 * to come out byte for byte as DVC would write it, which the generic `yaml` stringifier does not
 * do (it folds and quotes differently), hence this small emitter.
 */
import { PyFloat, pyFloatRepr } from '../versioning/pyjson.ts';
import { isPlainObject } from './values.ts';

const BEST_WIDTH = 80;
const BREAKS = '\n\x85\u2028\u2029';
const WS = '\0 \t\r\n\x85\u2028\u2029';

// YAML 1.2 implicit resolvers of ruamel.yaml: a string matching one of these must be quoted.
const IMPLICIT = [
  /^(?:true|True|TRUE|false|False|FALSE)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:<<)$/,
  /^(?:=)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
];

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\x09': 't', '\x0A': 'n', '\x0B': 'v', '\x0C': 'f', '\x0D': 'r',
  '\x1B': 'e', '"': '"', '\\': '\\', '\x85': 'N', '\xA0': '_', '\u2028': 'L', '\u2029': 'P',
};

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

function isUnicodePrintable(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return (c === 0x85 || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c < 0x10ffff)) && c !== 0xfeff;
}

function analyze(text: string): Analysis {
  const chars = Array.from(text);
  const n = chars.length;
  if (n === 0) return { empty: true, multiline: false, allowBlockPlain: false, allowSingleQuoted: true };
  let blockIndicators = text.startsWith('---') || text.startsWith('...');
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  let breakSpace = false, spaceBreak = false, previousSpace = false, previousBreak = false;
  let precededByWs = true;
  let followedByWs = n === 1 || WS.includes(chars[1]!);
  for (let i = 0; i < n; i++) {
    const ch = chars[i]!;
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ((ch === '?' || ch === ':') && followedByWs) blockIndicators = true;
      if (ch === '-' && followedByWs) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWs) blockIndicators = true;
      if (ch === '#' && precededByWs) blockIndicators = true;
    }
    if (BREAKS.includes(ch)) lineBreaks = true;
    const code = ch.codePointAt(0)!;
    if (!(ch === '\n' || (code >= 0x20 && code <= 0x7e))) {
      // Unicode is allowed (ruamel's default), so only control characters force double quotes.
      if (!isUnicodePrintable(ch)) special = true;
    }
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === n - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (BREAKS.includes(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === n - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWs = WS.includes(ch);
    followedByWs = i + 2 >= n || WS.includes(chars[i + 2]!);
  }
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowBlockPlain = false;
  if (breakSpace) allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || special) allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowBlockPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowBlockPlain, allowSingleQuoted };
}

/** Text of a non-string scalar, as ruamel's representer writes it. */
function scalarText(v: unknown): string | undefined {
  if (v === null || v === undefined) return '';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'bigint') return v.toString();
  const x = v instanceof PyFloat ? v.value : typeof v === 'number' ? v : undefined;
  if (x === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v).toString();
  if (Number.isNaN(x)) return '.nan';
  if (x === Infinity) return '.inf';
  if (x === -Infinity) return '-.inf';
  return pyFloatRepr(x).toLowerCase();
}

class Emitter {
  private readonly out: string[] = [];
  private column = 0;
  private whitespace = true;
  private indention = true;

  text(): string {
    return this.out.join('');
  }

  private write(s: string): void {
    this.out.push(s);
    this.column += Array.from(s).length;
  }

  private lineBreak(): void {
    this.out.push('\n');
    this.column = 0;
    this.whitespace = true;
    this.indention = true;
  }

  private writeIndent(indent: number): void {
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.lineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  private indicator(s: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    this.write(this.whitespace || !needWhitespace ? s : ` ${s}`);
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
  }

  /**
   * `parent` is the indent of the enclosing collection (null at the document root), mirroring
   * the emitter's indent stack: nested mappings go two deeper, a sequence under a mapping key
   * stays at the key's column, and continuation lines of a scalar go two deeper.
   */
  node(v: unknown, parent: number | null, mappingValue: boolean): void {
    if (Array.isArray(v)) {
      if (v.length === 0) return this.emptyFlow('[]');
      const indent = parent === null ? 0 : mappingValue && !this.indention ? parent : parent + 2;
      for (const item of v) {
        this.writeIndent(indent);
        this.indicator('-', true, false, true);
        this.node(item, indent, false);
      }
      return;
    }
    if (isPlainObject(v)) {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      if (entries.length === 0) return this.emptyFlow('{}');
      const indent = parent === null ? 0 : parent + 2;
      for (const [k, x] of entries) this.entry(k, x, indent);
      return;
    }
    this.scalar(v, parent === null ? 2 : parent + 2, false);
  }

  entry(key: string, value: unknown, indent: number): void {
    this.writeIndent(indent);
    this.scalar(key, indent + 2, true);
    this.indicator(':', false);
    this.node(value, indent, true);
  }

  private emptyFlow(s: string): void {
    this.indicator(s[0]!, true, true);
    this.indicator(s[1]!, false);
  }

  /** `cont` is the column continuation lines start at when a long scalar is folded. */
  private scalar(v: unknown, cont: number, simpleKey: boolean): void {
    const typed = typeof v === 'string' ? undefined : scalarText(v);
    if (typed !== undefined) return this.plain(typed, cont, !simpleKey);
    const text = typeof v === 'string' ? v : String(v);
    const a = analyze(text);
    const implicitStr = !IMPLICIT.some((re) => re.test(text));
    if (implicitStr && !(simpleKey && (a.empty || a.multiline)) && a.allowBlockPlain) return this.plain(text, cont, !simpleKey);
    if (a.allowSingleQuoted && !(simpleKey && a.multiline)) return this.singleQuoted(text, cont, !simpleKey);
    return this.doubleQuoted(text, cont, !simpleKey);
  }

  private plain(text: string, indent: number, split: boolean): void {
    if (!text) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    const chars = Array.from(text);
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent(indent);
            this.whitespace = false;
            this.indention = false;
          } else this.write(chars.slice(start, end).join(''));
          start = end;
        }
      } else if (ch === undefined || ch === ' ') {
        this.write(chars.slice(start, end).join(''));
        start = end;
      }
      if (ch !== undefined) spaces = ch === ' ';
    }
  }

  private singleQuoted(text: string, indent: number, split: boolean): void {
    this.indicator("'", true);
    const chars = Array.from(text);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      if (spaces) {
        if (ch === undefined || ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== chars.length) this.writeIndent(indent);
          else this.write(chars.slice(start, end).join(''));
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          if (chars[start] === '\n') this.lineBreak();
          for (const br of chars.slice(start, end)) {
            if (br === '\n') this.lineBreak();
            else {
              this.out.push(br);
              this.column = 0;
              this.whitespace = true;
              this.indention = true;
            }
          }
          this.writeIndent(indent);
          start = end;
        }
      } else if (ch === undefined || ch === ' ' || BREAKS.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(chars.slice(start, end).join(''));
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
    this.indicator("'", false);
  }

  private doubleQuoted(text: string, indent: number, split: boolean): void {
    this.indicator('"', true);
    const chars = Array.from(text);
    let start = 0;
    for (let end = 0; end <= chars.length; end++) {
      const ch = end < chars.length ? chars[end] : undefined;
      const code = ch?.codePointAt(0) ?? 0;
      if (ch === undefined || '"\\\x85\u2028\u2029\uFEFF'.includes(ch) || !((code >= 0x20 && code <= 0x7e) || isUnicodePrintable(ch))) {
        if (start < end) {
          this.write(chars.slice(start, end).join(''));
          start = end;
        }
        if (ch !== undefined) {
          let esc: string;
          if (ESCAPES[ch] !== undefined) esc = `\\${ESCAPES[ch]}`;
          else if (code <= 0xff) esc = `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
          else if (code <= 0xffff) esc = `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
          else esc = `\\U${code.toString(16).toUpperCase().padStart(8, '0')}`;
          this.write(esc);
          start = end + 1;
        }
      }
      if (end > 0 && end < chars.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > BEST_WIDTH && split) {
        const data = `${chars.slice(start, end).join('')}\\`;
        if (start < end) start = end;
        this.write(data);
        this.writeIndent(indent);
        this.whitespace = false;
        this.indention = false;
        if (chars[start] === ' ') this.write('\\');
      }
    }
    this.indicator('"', false);
  }

  finish(): void {
    this.writeIndent(0);
  }
}

/** The document DVC would write for `value` (a mapping at the root, as every DVC file is). */
export function emitYaml(value: unknown): string {
  const e = new Emitter();
  e.node(value, null, false);
  e.finish();
  return e.text();
}

/**
 * Lines for `key: value` as an entry of a block mapping whose keys sit at column `indent`, e.g.
 * one stage inside `stages:` (indent 2): the same bytes the whole-document writer produces there.
 */
export function emitMappingEntry(key: string, value: unknown, indent: number): string {
  const e = new Emitter();
  e.entry(key, value, indent);
  e.finish();
  return e.text();
}
