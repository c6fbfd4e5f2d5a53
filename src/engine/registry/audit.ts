/**
 * The registry's audit trail: one row per registry change (and per blocked or refused attempt),
 * each carrying the sha256 of the previous one, so editing, deleting or reordering history breaks
 * the chain at the first touched entry.
 *
 *   hash(n) = sha256( JCS( entry(n) without `hash`, with prevHash = hash(n-1) ) )
 *
 * The store's `registry_audit` table is the record. Every field is its own column (nothing is
 * trusted from a cached copy): verification rebuilds each entry from its columns, so an edit of any
 * column, including the JSON ones, changes the recomputed hash. Truncating the newest entries
 * leaves a valid shorter chain; the JSONL mirror (committed to git) is the outside anchor that
 * catches that — see mirror.ts.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from '../store/store.ts';
import type { AuditAction, AuditEntry, AuditOutcome, AuditProblem, AuditQuery, CheckResult } from './api.ts';
import { GENESIS_HASH, canonicalJson, jsonSafe, sha256Hex } from './canonical.ts';

/** What a caller supplies; seq, prevHash and hash are assigned by `appendAudit`. */
export type AuditDraft = Pick<AuditEntry, 'at' | 'actor' | 'origin' | 'action' | 'outcome' | 'model' | 'version'>
  & Partial<Pick<AuditEntry, 'from' | 'to' | 'checks' | 'detail'>>;

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  origin: string;
  action: string;
  outcome: string;
  model: string;
  version: number | null;
  from_state: string | null;
  to_state: string | null;
  checks: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'seq, at, actor, origin, action, outcome, model, version, from_state, to_state, checks, detail, prev_hash, hash';

/** The object that is hashed: every field but `hash`. */
export function hashedPart(e: Omit<AuditEntry, 'hash'> | AuditEntry): Omit<AuditEntry, 'hash'> {
  return {
    seq: e.seq, at: e.at, actor: e.actor, origin: e.origin, action: e.action, outcome: e.outcome,
    model: e.model, version: e.version, from: e.from, to: e.to, checks: e.checks, detail: e.detail, prevHash: e.prevHash,
  };
}

export function entryHash(e: Omit<AuditEntry, 'hash'> | AuditEntry): string {
  return sha256Hex(canonicalJson(hashedPart(e)));
}

// Compiling the two statements costs more than running them; keep them per connection.
type Statement = BetterSqlite3.Statement<unknown[], unknown>;
const statements = new WeakMap<Database, { last: Statement; insert: Statement }>();

function prepared(db: Database): { last: Statement; insert: Statement } {
  let s = statements.get(db);
  if (!s) {
    s = {
      last: db.prepare<unknown[], unknown>('SELECT seq, hash FROM registry_audit ORDER BY seq DESC LIMIT 1'),
      insert: db.prepare<unknown[], unknown>(`INSERT INTO registry_audit(${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    };
    statements.set(db, s);
  }
  return s;
}

/** Append inside the caller's write transaction (BEGIN IMMEDIATE), so seq and prevHash cannot race. */
export function appendAudit(db: Database, draft: AuditDraft): AuditEntry {
  const stmts = prepared(db);
  const last = stmts.last.get() as { seq: number; hash: string } | undefined;
  const body: Omit<AuditEntry, 'hash'> = jsonSafe({
    seq: (last?.seq ?? 0) + 1,
    at: draft.at,
    actor: draft.actor,
    origin: draft.origin,
    action: draft.action,
    outcome: draft.outcome,
    model: draft.model,
    version: draft.version,
    from: draft.from ?? null,
    to: draft.to ?? null,
    checks: draft.checks ?? [],
    detail: draft.detail ?? {},
    prevHash: last?.hash ?? GENESIS_HASH,
  });
  // Canonical text in the JSON columns: verification rebuilds the hashed text without parsing,
  // and so does this append (one serialization per field).
  const row: AuditRow = {
    seq: body.seq, at: body.at, actor: body.actor, origin: body.origin, action: body.action, outcome: body.outcome, model: body.model, version: body.version,
    from_state: body.from === null ? null : canonicalJson(body.from), to_state: body.to === null ? null : canonicalJson(body.to),
    checks: canonicalJson(body.checks), detail: canonicalJson(body.detail), prev_hash: body.prevHash, hash: '',
  };
  row.hash = sha256Hex(rowHashedText(row));
  const entry: AuditEntry = { ...body, hash: row.hash };
  stmts.insert.run(row.seq, row.at, row.actor, row.origin, row.action, row.outcome, row.model, row.version, row.from_state, row.to_state, row.checks, row.detail, row.prev_hash, row.hash);
  return entry;
}

function parseJson(text: string | null, column: string, seq: number): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new UnparseableRow(seq, `column ${column} of entry ${seq} is not JSON`);
  }
}

class UnparseableRow extends Error {
  readonly seq: number;
  constructor(seq: number, message: string) {
    super(message);
    this.seq = seq;
  }
}

function rowToEntry(r: AuditRow): AuditEntry {
  return {
    seq: r.seq, at: r.at, actor: r.actor, origin: r.origin, action: r.action as AuditAction, outcome: r.outcome as AuditOutcome,
    model: r.model, version: r.version,
    from: parseJson(r.from_state, 'from_state', r.seq) as AuditEntry['from'],
    to: parseJson(r.to_state, 'to_state', r.seq) as AuditEntry['to'],
    checks: parseJson(r.checks, 'checks', r.seq) as CheckResult[],
    detail: parseJson(r.detail, 'detail', r.seq) as Record<string, unknown>,
    prevHash: r.prev_hash, hash: r.hash,
  };
}

export function queryAudit(db: Database, q: AuditQuery = {}): AuditEntry[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.model !== undefined) { where.push('model = ?'); args.push(q.model); }
  if (q.version !== undefined) { where.push('version = ?'); args.push(q.version); }
  if (q.actor !== undefined) { where.push('actor = ?'); args.push(q.actor); }
  if (q.action !== undefined) { where.push('action = ?'); args.push(q.action); }
  if (q.before !== undefined) { where.push('seq < ?'); args.push(q.before); }
  const sql = `SELECT ${COLUMNS} FROM registry_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
  const rows = db.prepare(sql).all(...args, Math.max(1, Math.min(q.limit ?? 200, 100_000))) as AuditRow[];
  return rows.map((r) => {
    try {
      return rowToEntry(r);
    } catch {
      // A damaged row is still listed (verify names it); its JSON columns are shown as text.
      return { ...rowToEntry({ ...r, from_state: null, to_state: null, checks: '[]', detail: '{}' }), detail: { damaged: true } };
    }
  });
}

export function auditHead(db: Database): { seq: number; hash: string } | undefined {
  return db.prepare('SELECT seq, hash FROM registry_audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
}

/**
 * Incremental chain checker shared by the store and the mirror: feed entries in order, it
 * reports gaps, broken links and hash mismatches (at most `cap` problems).
 */
export class ChainChecker {
  readonly where: AuditProblem['where'];
  readonly problems: AuditProblem[] = [];
  count = 0;
  head: string | null = null;
  lastSeq = 0;
  private readonly cap: number;

  constructor(where: AuditProblem['where'], cap = 100) {
    this.where = where;
    this.cap = cap;
  }

  report(p: Omit<AuditProblem, 'where'>): void {
    if (this.problems.length < this.cap) this.problems.push({ where: this.where, ...p });
  }

  /** A parsed entry (the mirror); `line` is its line in the file. */
  add(e: AuditEntry, line?: number): void {
    let recomputed: string;
    try {
      recomputed = entryHash(e);
    } catch (err) {
      this.report({ seq: e.seq, ...(line === undefined ? {} : { line }), reason: 'unparseable', message: `entry ${e.seq} cannot be serialized: ${(err as Error).message}` });
      recomputed = '';
    }
    this.addHashed(e.seq, e.prevHash, e.hash, recomputed, line);
  }

  /** An entry's seq, links and recorded hash, with the hash recomputed from its content ('' = could not). */
  addHashed(seq: number, prevHash: string, hash: string, recomputed: string, line?: number): void {
    const e = { seq, prevHash, hash };
    this.count++;
    const at = line === undefined ? {} : { line };
    if (e.seq !== this.lastSeq + 1) {
      const missing = e.seq > this.lastSeq + 1;
      this.report({
        seq: missing ? this.lastSeq + 1 : e.seq, ...at, reason: 'gap',
        message: missing
          ? `entr${e.seq - this.lastSeq - 1 === 1 ? 'y' : 'ies'} ${this.lastSeq + 1}${e.seq - this.lastSeq - 1 > 1 ? `–${e.seq - 1}` : ''} missing: the entry after ${this.lastSeq || 'the start'} is ${e.seq}`
          : `entry ${e.seq} is out of order (after ${this.lastSeq})`,
      });
    }
    const expectedPrev = this.head ?? GENESIS_HASH;
    if (e.prevHash !== expectedPrev) {
      this.report({ seq: e.seq, ...at, reason: 'broken-chain', message: `entry ${e.seq} does not link to the entry before it (its prevHash is not that entry's hash)`, expected: expectedPrev, actual: e.prevHash });
    }
    if (recomputed && recomputed !== e.hash) {
      this.report({ seq: e.seq, ...at, reason: 'hash-mismatch', message: `entry ${e.seq} was modified after it was written (its content no longer hashes to its recorded hash)`, expected: e.hash, actual: recomputed });
    }
    this.head = e.hash;
    this.lastSeq = Math.max(this.lastSeq, e.seq);
  }
}

/**
 * The hashed text of a row, assembled from its columns: the JSON columns hold canonical text and
 * the top-level keys are written in JCS order, so this equals `canonicalJson(entry)` for an
 * untouched row — and any edit of any column, even one that keeps the JSON meaning, changes it.
 */
export function rowHashedText(r: AuditRow): string {
  return `{"action":${JSON.stringify(r.action)},"actor":${JSON.stringify(r.actor)},"at":${JSON.stringify(r.at)},"checks":${r.checks},"detail":${r.detail},`
    + `"from":${r.from_state ?? 'null'},"model":${JSON.stringify(r.model)},"origin":${JSON.stringify(r.origin)},"outcome":${JSON.stringify(r.outcome)},`
    + `"prevHash":${JSON.stringify(r.prev_hash)},"seq":${r.seq},"to":${r.to_state ?? 'null'},"version":${r.version === null ? 'null' : r.version}}`;
}

/** Walk the store's chain in seq order; `visit` sees each row's seq and recorded hash (for the mirror). */
export function verifyStoreChain(db: Database, visit?: (seq: number, hash: string) => void): ChainChecker {
  const checker = new ChainChecker('store');
  // Raw arrays (in COLUMNS order): a third of the cost of row objects at 100k entries.
  const stmt = db.prepare(`SELECT ${COLUMNS} FROM registry_audit ORDER BY seq`).raw(true);
  for (const a of stmt.iterate() as IterableIterator<unknown[]>) {
    const r = {
      seq: a[0], at: a[1], actor: a[2], origin: a[3], action: a[4], outcome: a[5], model: a[6], version: a[7],
      from_state: a[8], to_state: a[9], checks: a[10], detail: a[11], prev_hash: a[12], hash: a[13],
    } as AuditRow;
    checker.addHashed(r.seq, r.prev_hash, r.hash, sha256Hex(rowHashedText(r)));
    visit?.(r.seq, r.hash);
  }
  return checker;
}

/** Entries with seq > `after`, oldest first (what the mirror lacks). */
export function queryAuditAfter(db: Database, after: number): AuditEntry[] {
  const rows = db.prepare(`SELECT ${COLUMNS} FROM registry_audit WHERE seq > ? ORDER BY seq`).all(after) as AuditRow[];
  return rows.map(rowToEntry);
}
