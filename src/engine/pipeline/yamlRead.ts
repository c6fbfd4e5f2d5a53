/**
 * Reading the YAML files of a pipeline (dvc.yaml, dvc.lock, params) with YAML 1.2 rules, as
 * DVC's ruamel loader does, keeping Python's int/float distinction and every node's line.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, YAMLError } from 'yaml';
import { MlopsError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import { normalizeNumbers } from './values.ts';
import type { PyValue } from './values.ts';

export type YamlPath = ReadonlyArray<string | number>;

export interface LocatedDoc {
  file: string;
  text: string;
  doc: Document.Parsed;
  value: PyValue;
  /** 1-based line of the value at `path` (or of its key, with `key: true`); nearest parent when absent. */
  line(path: YamlPath, key?: boolean): number;
}

export function parseYamlLocated(text: string, file: string, what: string, code: ErrorCode = 'format'): LocatedDoc {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true, version: '1.2', intAsBigInt: true });
  const err = doc.errors[0];
  if (err) throw syntaxError(err, counter, file, what, code);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new MlopsError(code, `${what} could not be read: ${(e as Error).message}`, { location: { file }, cause: e });
  }
  const lineAt = (offset: number): number => counter.linePos(offset).line || 1;
  return {
    file,
    text,
    doc,
    value: normalizeNumbers(raw ?? null),
    line(path, key = false) {
      let node = doc.contents as Node | null;
      let best = node?.range ? lineAt(node.range[0]) : 1;
      for (const [i, step] of path.entries()) {
        const last = i === path.length - 1;
        if (isMap(node)) {
          const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(step));
          if (!pair) return best;
          const k = pair.key as Node | null;
          const v = pair.value as Node | null;
          if (last && key && k?.range) return lineAt(k.range[0]);
          if (v?.range) best = lineAt(v.range[0]);
          else if (k?.range) best = lineAt(k.range[0]);
          node = v;
        } else if (isSeq(node) && typeof step === 'number') {
          const item = node.items[step] as Node | null | undefined;
          if (!item) return best;
          if (item.range) best = lineAt(item.range[0]);
          node = item;
        } else return best;
      }
      return best;
    },
  };
}

function syntaxError(err: YAMLError, counter: LineCounter, file: string, what: string, code: ErrorCode): MlopsError {
  const pos = err.linePos?.[0] ?? counter.linePos(err.pos[0]);
  const detail = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return new MlopsError(code, `${what} is not valid YAML: ${detail}`, {
    location: { file, line: pos?.line || 1, column: pos?.col || 1 },
    hint: 'fix the YAML syntax at that line (indentation, a missing ":" or an unclosed quote are the usual causes)',
    cause: err,
  });
}
