/**
 * A YAML node with its place in the file: the checks parser walks the document's nodes (not the
 * plain JS value) so every suite and check keeps the span of its own text — the Test Explorer puts
 * a run button in the gutter there, and every mistake names its line.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import { MlopsError } from '../errors.ts';
import type { SourceRange } from './types.ts';

export class Located {
  readonly file: string;
  readonly node: Node | null;
  /** Key path from the top of the checks section, for messages (`suites.data.checks[2]`). */
  readonly path: ReadonlyArray<string | number>;
  private readonly doc: Document;
  private readonly lines: LineCounter;
  /** The key of the pair holding this node, when it is a mapping value (its line is the natural anchor). */
  private readonly keyNode: Node | null;

  constructor(file: string, doc: Document, lines: LineCounter, node: Node | null, path: ReadonlyArray<string | number>, keyNode: Node | null = null) {
    this.file = file;
    this.doc = doc;
    this.lines = lines;
    // An alias (`*columns`) reads as the node it names; messages then point at the anchor.
    this.node = isAlias(node) ? ((node.resolve(doc) as Node | undefined) ?? null) : node;
    this.path = path;
    this.keyNode = keyNode;
  }

  /** The plain value (aliases resolved, capped). */
  value(): unknown {
    if (!this.node) return null;
    return this.node.toJS(this.doc, { maxAliasCount: 100 });
  }

  isMap(): boolean {
    return isMap(this.node);
  }

  isSeq(): boolean {
    return isSeq(this.node);
  }

  isScalar(): boolean {
    return isScalar(this.node) || this.node === null;
  }

  /** `[key, value]` of a mapping in file order; keys as text. */
  entries(): Array<[string, Located]> {
    if (!isMap(this.node)) return [];
    return this.node.items.map((p: Pair) => {
      const k = isScalar(p.key) ? String(p.key.value) : String(p.key);
      return [k, new Located(this.file, this.doc, this.lines, (p.value as Node | null) ?? null, [...this.path, k], (p.key as Node | null) ?? null)];
    });
  }

  get(key: string): Located | undefined {
    return this.entries().find(([k]) => k === key)?.[1];
  }

  items(): Located[] {
    if (!isSeq(this.node)) return [];
    return this.node.items.map((n, i) => new Located(this.file, this.doc, this.lines, (n as Node | null) ?? null, [...this.path, i]));
  }

  private pos(offset: number): { line: number; column: number } {
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  /** From the key (when there is one) to the end of the value. */
  range(): SourceRange {
    const startNode = this.keyNode?.range ? this.keyNode : this.node;
    const start = startNode?.range?.[0] ?? 0;
    let end = Math.max(start, this.node?.range?.[1] ?? this.keyNode?.range?.[1] ?? start);
    // Block collections end after their last newline; stop at the end of the last line instead.
    if (end > start && this.pos(end).column === 1) end -= 1;
    return { file: this.file, start: this.pos(start), end: this.pos(end) };
  }

  /** 1-based line where this node (or its key) starts. */
  get line(): number {
    return this.range().start.line;
  }

  /** Dotted path for messages: `suites.raw.checks[2].range.min`. */
  get label(): string {
    return this.path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');
  }

  /** A config error at this node. */
  fail(message: string, hint?: string): MlopsError {
    return new MlopsError('config', message, { location: { file: this.file, line: this.line, column: this.range().start.column }, ...(hint ? { hint } : {}) });
  }
}
