/**
 * Parsed files remembered by their exact text. The editor recomputes pipeline status after
 * saves, and most of a no-op status was parsing the same dvc.yaml, dvc.lock and params YAML
 * again. Reading a small file is cheap; comparing its text decides, so no timestamp can make
 * a stale answer look fresh. Values are shared between callers: treat them as read-only.
 */
export class TextCache<T> {
  private readonly entries = new Map<string, { text: string; value: T }>();
  private readonly max: number;

  constructor(max = 64) {
    this.max = max;
  }

  /** The value parsed from `text` under `key`, parsing (and remembering) when the text differs. Errors are not remembered. */
  get(key: string, text: string, parse: () => T): T {
    const hit = this.entries.get(key);
    if (hit && hit.text === text) {
      // Most recently used last, so the oldest entry is the one dropped.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = parse();
    this.set(key, text, value);
    return value;
  }

  /** The value remembered under `key`, whatever text it came from. */
  peek(key: string): { text: string; value: T } | undefined {
    return this.entries.get(key);
  }

  set(key: string, text: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { text, value });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}
