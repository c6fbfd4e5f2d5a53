/**
 * Where metric lenses go, found in the text of a document (no vscode here; unit-tested):
 * - params files: every leaf key, dotted (`train.lr`) as the runs record params (lists are leaves);
 * - metrics files: every numeric leaf with its value in the file;
 * - Python training code: lines that log metrics — `log_metric("acc", …)` (MLflow, DVCLive, any
 *   logger object), `log_metrics({...})`, `.log({...})` / `.log(step, {...})` (DVCLive-style
 *   loggers, W&B, Lightning's `self.log("val_loss", …)`), and JSON-lines writes of
 *   `{"step": …, "metrics": {...}}`, our run log format.
 */
import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Node } from 'yaml';

export interface KeySite {
  /** Dotted key path. */
  key: string;
  /** 0-based line of the key. */
  line: number;
  /** The value in the file (scalars; lists as their YAML text is not needed, so null). */
  value: unknown;
}

/** Leaves of a YAML (or JSON: YAML 1.2 reads it) document with the line of each key. Bad text → none. */
export function yamlLeaves(text: string): KeySite[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length) return [];
  const out: KeySite[] = [];
  const walk = (node: Node | null | undefined, prefix: string, keyLine: number): void => {
    if (isMap(node)) {
      if (!node.items.length && prefix) out.push({ key: prefix, line: keyLine, value: {} });
      for (const pair of node.items) {
        const k = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'boolean') continue;
        const keyNode = pair.key as Node | null;
        const line = keyNode?.range ? lines.linePos(keyNode.range[0]).line - 1 : keyLine;
        walk(pair.value as Node | null, prefix ? `${prefix}.${String(k)}` : String(k), line);
      }
    } else if (prefix) {
      out.push({ key: prefix, line: keyLine, value: isScalar(node) ? node.value : isSeq(node) ? node.toJSON() : null });
    }
  };
  walk(doc.contents as Node | null, '', 0);
  return out;
}

/** Numeric leaves of a metrics file (JSON or YAML); `nan`/`inf` spellings count as numbers. */
export function metricLeaves(text: string): Array<KeySite & { value: number }> {
  return yamlLeaves(text).flatMap((s) => {
    const v = s.value;
    if (typeof v === 'number') return [{ ...s, value: v }];
    if (typeof v === 'string' && /^[+-]?(nan|inf|infinity)$/i.test(v.trim())) {
      const t = v.trim().toLowerCase();
      return [{ ...s, value: t.includes('nan') ? Number.NaN : t.startsWith('-') ? -Infinity : Infinity }];
    }
    return [];
  });
}

export interface LogSite {
  /** 0-based line. */
  line: number;
  /** Metric names logged on this line, in order. */
  metrics: string[];
}

const QUOTED_KEY = /(['"])((?:(?!\1)[^\\]|\\.)+)\1\s*:/g;

function dictKeys(body: string): string[] {
  return [...body.matchAll(QUOTED_KEY)].map((m) => m[2]!);
}

/** Python source → lines that log metrics. Comments and strings of other lines are ignored. */
export function pythonLogSites(text: string): LogSite[] {
  const out: LogSite[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const code = raw.replace(/^\s*#.*$/, '');
    if (!/log|metrics/.test(code)) continue;
    const names: string[] = [];
    // log_metric("acc", …) / mlflow.log_metric(key="acc", …) / live.log_metric('train/loss', …)
    for (const m of code.matchAll(/\blog_metric\s*\(\s*(?:key\s*=\s*)?(['"])([^'"]+)\1/g)) names.push(m[2]!);
    // log_metrics({"a": …, "b": …})
    for (const m of code.matchAll(/\blog_metrics\s*\(\s*\{([^}]*)\}/g)) names.push(...dictKeys(m[1]!));
    // logger.log({"a": …}) / loggers.log(step, {"a": …}) / wandb.log({...})
    for (const m of code.matchAll(/\.log\s*\((?:[^(){},]*,\s*)?\{([^}]*)\}/g)) names.push(...dictKeys(m[1]!));
    // self.log("val_loss", …) (Lightning)
    for (const m of code.matchAll(/\bself\.log\s*\(\s*(['"])([^'"]+)\1/g)) names.push(m[2]!);
    // JSON lines in our run-log format: {"step": …, "metrics": {"a": …}}
    for (const m of code.matchAll(/(['"])metrics\1\s*:\s*\{([^}]*)\}/g)) names.push(...dictKeys(m[2]!));
    const unique = [...new Set(names)].filter((n) => n !== 'step' && n !== 'epoch');
    if (unique.length) out.push({ line: i, metrics: unique });
  }
  return out;
}
