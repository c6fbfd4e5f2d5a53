import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Document, type Node } from 'yaml';
import { MlopsError } from '../errors.ts';

/** A parsed YAML file that can say on which line any value sits. */
export interface LocatedYaml {
  file: string;
  doc: Document;
  lines: LineCounter;
  /** 1-based line of the node at `keyPath`, or of the nearest existing parent. */
  lineOf(keyPath: ReadonlyArray<string | number>): number | undefined;
}

export function parseYamlFile(file: string, text: string): LocatedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
    throw new MlopsError('config', `Not valid YAML: ${err.message.split('\n')[0]}`, {
      location: { file, line: pos?.line, column: pos?.col },
      hint: 'Fix the YAML syntax at that line (indentation, a missing colon, or an unclosed quote).',
    });
  }
  return {
    file,
    doc,
    lines,
    lineOf(keyPath) {
      let node: Node | null | undefined = doc.contents as Node | null;
      let best: number | undefined = node?.range ? lines.linePos(node.range[0]).line : undefined;
      for (const key of keyPath) {
        if (isMap(node)) {
          const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
          if (!pair) break;
          const k = pair.key as Node | null;
          if (k?.range) best = lines.linePos(k.range[0]).line;
          node = pair.value as Node | null;
        } else if (isSeq(node) && typeof key === 'number') {
          node = node.items[key] as Node | null;
          if (node?.range) best = lines.linePos(node.range[0]).line;
        } else break;
      }
      return best;
    },
  };
}
