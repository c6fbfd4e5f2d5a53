/**
 * YAML plumbing shared by the DVC metafile readers and writers: parse with positions,
 * report errors as MlopsError with a line, and write back the way DVC (ruamel) does.
 */
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node, ToStringOptions, YAMLError } from 'yaml';
import { MlopsError } from '../errors.ts';

/**
 * Output options matching ruamel's round-trip dumper as DVC configures it: block style,
 * list items flush with their parent key, single quotes when quoting is needed.
 * Long scalars are not folded: ruamel breaks at the first space past column 80, which yaml's
 * folder (break before the limit) cannot reproduce; a single line reads back to the same value.
 */
export const DVC_YAML_OPTIONS: ToStringOptions = {
  indent: 2,
  indentSeq: false,
  lineWidth: 0,
  singleQuote: true,
  nullStr: '',
  blockQuote: false,
};

export interface ParsedYaml {
  file: string;
  text: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
}

/** Parse one YAML 1.2 document; syntax errors become MlopsError with file, line and column. */
export function parseYaml(text: string, file: string, what: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  const err = document.errors[0];
  if (err) throw yamlSyntaxError(err, text, lineCounter, file, what);
  return { file, text, document, lineCounter };
}

function yamlSyntaxError(err: YAMLError, text: string, lineCounter: LineCounter, file: string, what: string): MlopsError {
  let offset = err.pos[0];
  let detail = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const quote = err.code === 'MISSING_CHAR' ? /closing (['"])/.exec(detail)?.[1] : undefined;
  if (quote) {
    // The parser reports where the file ended; the person needs the line where the quote opened.
    const open = text.lastIndexOf(quote, offset - 1);
    if (open >= 0) {
      offset = open;
      detail = `the ${quote === '"' ? 'double' : 'single'} quote opened here is never closed`;
    }
  }
  const { line, col } = lineCounter.linePos(offset);
  return new MlopsError('format', `${what} is not valid YAML: ${detail}`, {
    location: { file, line: line || 1, column: col || 1 },
    hint: 'fix the YAML syntax at that line (indentation, a missing ":" or an unclosed quote are the usual causes)',
    cause: err,
  });
}

/** 1-based line of a node, for errors that are about content rather than syntax. */
export function lineOf(parsed: ParsedYaml, node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  if (!range) return undefined;
  const { line } = parsed.lineCounter.linePos(range[0]);
  return line || 1;
}

/**
 * Apply `value` onto a parsed document the way DVC's `apply_diff` updates a ruamel tree:
 * unchanged values keep their node (comments, quoting, float spelling), changed scalars are
 * replaced in place, new keys are appended, removed keys deleted; lists of equal length are
 * diffed item by item, otherwise replaced.
 */
export function applyDiff(doc: Document, value: unknown): void {
  if (doc.contents && isContainerPair(value, doc.contents)) {
    diffInto(doc, doc.contents as Node, value);
  } else {
    doc.contents = doc.createNode(value);
  }
}

function isContainerPair(value: unknown, node: unknown): boolean {
  return (isMap(node) && isPlainObject(value)) || (isSeq(node) && Array.isArray(value));
}

function diffInto(doc: Document, node: Node, value: unknown): void {
  if (isMap(node) && isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const existing = node.get(key, true) as Node | undefined;
      if (existing !== undefined && isContainerPair(v, existing)) diffInto(doc, existing, v);
      else if (existing === undefined || !deepEqual(nodeValue(doc, existing), v)) node.set(key, doc.createNode(v));
    }
    for (const pair of [...node.items]) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key !== 'string' || !(key in value) || value[key] === undefined) node.delete(pair.key);
    }
  } else if (isSeq(node) && Array.isArray(value)) {
    if (node.items.length !== value.length) {
      node.items = value.map((v) => doc.createNode(v));
      return;
    }
    value.forEach((v, i) => {
      const existing = node.items[i] as Node | undefined;
      if (existing !== undefined && isContainerPair(v, existing)) diffInto(doc, existing, v);
      else if (existing === undefined || !deepEqual(nodeValue(doc, existing), v)) node.items[i] = doc.createNode(v);
    });
  }
}

function nodeValue(doc: Document, node: unknown): unknown {
  return isScalar(node) ? node.value : (node as Node | null)?.toJS?.(doc);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && deepEqual((a as Record<string, unknown>)[k], rb[k]));
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A fresh document for `value`, serialized as DVC would write a new file. */
export function dumpYaml(value: unknown): string {
  return new Document(value).toString(DVC_YAML_OPTIONS);
}

export function documentToString(doc: Document): string {
  return doc.toString(DVC_YAML_OPTIONS);
}
