/**
 * The append-only JSONL mirror of the audit trail (default `.mlops/audit.jsonl`, which the
 * `.mlops/.gitignore` written by `mlops init` does not ignore, so it can be committed). One entry
 * per line: `{"entry":<JCS of the entry>,"hash":"<sha256 of that text>"}`, so anyone can check a
 * line with `jq -cS .entry` and sha256sum. Lines are only ever appended, and only for
 * entries the store has committed: the sync runs under the store's write lock, so the CLI and the
 * extension never interleave lines. The mirror in git is what catches a store whose newest entries
 * were deleted (a shorter chain is still a valid chain on its own).
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, ftruncateSync, writeSync, fsyncSync, mkdirSync, createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Store } from '../store/store.ts';
import type { AuditEntry } from './api.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { ChainChecker, entryHash, hashedPart, queryAuditAfter } from './audit.ts';

/** The last complete line's seq (0 for an empty file); drops a torn final line left by a crash. */
function lastMirroredSeq(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  let chunk = 4096;
  for (;;) {
    const start = Math.max(0, size - chunk);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    const endsClean = text.endsWith('\n');
    const body = endsClean ? text.slice(0, -1) : text;
    const nl = body.lastIndexOf('\n');
    if (nl < 0 && start > 0) {
      chunk *= 4;
      continue;
    }
    if (!endsClean) {
      // A torn append (killed mid-write): its entry is in the store and is written again below.
      ftruncateSync(fd, start + Buffer.byteLength(body.slice(0, nl + 1), 'utf8'));
      return lastMirroredSeq(fd);
    }
    const line = body.slice(nl + 1);
    try {
      const seq = (JSON.parse(line) as { entry?: { seq?: unknown } }).entry?.seq;
      return typeof seq === 'number' ? seq : Number.POSITIVE_INFINITY;
    } catch {
      // Not ours to repair: verify reports the damaged line; we stop appending after it.
      return Number.POSITIVE_INFINITY;
    }
  }
}

export function mirrorLine(e: AuditEntry): string {
  return `{"entry":${canonicalJson(hashedPart(e))},"hash":${JSON.stringify(e.hash)}}\n`;
}

const HEAD = '{"entry":';
const TAIL = /,"hash":"([0-9a-f]{64})"\}$/;

/**
 * One mirror line → the entry, its recorded hash and the recomputed one. Lines as we write them
 * are hashed as they stand (the entry text is already canonical); a line someone re-formatted
 * (jq, an editor) is parsed and canonicalized, so only a change of content fails.
 */
function checkLine(text: string): { entry: AuditEntry; recomputed: string } {
  const parsed = JSON.parse(text) as { entry?: unknown; hash?: unknown };
  const e = parsed?.entry as AuditEntry | undefined;
  if (typeof e !== 'object' || e === null || typeof e.seq !== 'number' || typeof parsed.hash !== 'string') throw new Error('not an audit entry');
  const entry = { ...e, hash: parsed.hash } as AuditEntry;
  const tail = TAIL.exec(text);
  if (text.startsWith(HEAD) && tail && tail[1] === parsed.hash) {
    const fast = sha256Hex(text.slice(HEAD.length, text.length - tail[0].length));
    if (fast === parsed.hash) return { entry, recomputed: fast };
  }
  return { entry, recomputed: entryHash(entry) };
}

/**
 * Append every committed entry the mirror lacks. Runs inside a write transaction purely to hold
 * the store's lock (nothing is written to the database). Returns the number of lines appended;
 * returns -1 when the mirror is ahead of the store or ends in a damaged line (verify explains).
 */
export function syncMirror(store: Store, file: string): number {
  return store.write((db) => {
    mkdirSync(path.dirname(file), { recursive: true });
    const fd = openSync(file, existsSync(file) ? 'r+' : 'w+');
    try {
      const last = lastMirroredSeq(fd);
      if (!Number.isFinite(last)) return -1;
      const entries = queryAuditAfter(db, last);
      const head = db.prepare('SELECT MAX(seq) AS s FROM registry_audit').get() as { s: number | null };
      if ((head.s ?? 0) < last) return -1;
      if (entries.length === 0) return 0;
      const text = entries.map(mirrorLine).join('');
      const pos = fstatSync(fd).size;
      writeSync(fd, text, pos, 'utf8');
      fsyncSync(fd);
      return entries.length;
    } finally {
      closeSync(fd);
    }
  });
}

/** Check the mirror's own chain and compare it with the store's hashes (seq → hash). */
export async function verifyMirror(file: string, storeHashes: ReadonlyMap<number, string>, storeCount: number): Promise<{ checker: ChainChecker; present: boolean }> {
  const checker = new ChainChecker('mirror');
  if (!existsSync(file)) return { checker, present: false };
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() === '') continue;
    let e: AuditEntry;
    let recomputed: string;
    try {
      ({ entry: e, recomputed } = checkLine(text));
    } catch (err) {
      checker.count++;
      checker.report({ seq: checker.lastSeq + 1, line, reason: 'unparseable', message: `line ${line} of ${path.basename(file)} is not an audit entry: ${(err as Error).message}` });
      continue;
    }
    checker.addHashed(e.seq, e.prevHash, e.hash, recomputed, line);
    const stored = storeHashes.get(e.seq);
    if (stored === undefined) {
      if (e.seq > storeCount) {
        checker.report({ seq: e.seq, line, reason: 'missing', message: `entry ${e.seq} is in the mirror but not in the store: the store's newest entries were deleted (or this store is not the one the mirror was written from)` });
      }
    } else if (stored !== e.hash) {
      checker.report({ seq: e.seq, line, reason: 'mirror-differs', message: `entry ${e.seq} differs between the store and the mirror (line ${line})`, expected: stored, actual: e.hash });
    }
  }
  return { checker, present: true };
}
