/**
 * The audit trail's part of the registry contract (api.ts re-exports it): what an entry holds,
 * how the trail is queried, and what `mlops audit verify` reports. Same stability rule as api.ts:
 * only grows.
 */
import type { CheckResult } from './api.ts';

export type AuditAction =
  | 'register'
  | 'promote'        // stage change (including archive)
  | 'alias'          // alias set or moved
  | 'remove-alias'
  | 'delete'         // version deleted
  | 'edit'           // description / tags / model card
  | 'restore';       // artifact restored into the workspace

/** `applied` changed the registry; `blocked` = a gate failed; `refused` = policy said no. */
export type AuditOutcome = 'applied' | 'blocked' | 'refused';

export interface AuditEntry {
  /** 1, 2, 3… without gaps. */
  seq: number;
  /** ISO-8601 UTC. */
  at: string;
  actor: string;
  /** `extension` | `cli` | `test`… */
  origin: string;
  action: AuditAction;
  outcome: AuditOutcome;
  model: string;
  version: number | null;
  /** Before/after, e.g. `{ stage: 'Staging' }` → `{ stage: 'Production' }`; `{ alias: 'champion', version: 2 }`. */
  from: Record<string, unknown> | null;
  to: Record<string, unknown> | null;
  checks: CheckResult[];
  /** Extra facts (hash, artifact path, comment, policy rule…). */
  detail: Record<string, unknown>;
  /** Hex sha256 of the previous entry (64 zeros for the first). */
  prevHash: string;
  /** Hex sha256 over the canonical serialization of every field above, `prevHash` included. */
  hash: string;
}

export interface AuditQuery {
  model?: string;
  version?: number;
  actor?: string;
  action?: AuditAction;
  /** Newest first, at most this many (default 200). */
  limit?: number;
  /** Entries with seq < before (paging backwards). */
  before?: number;
}

export interface AuditProblem {
  /** Which copy: the store's table or the JSONL mirror. */
  where: 'store' | 'mirror';
  seq: number;
  /** 1-based line in the mirror file. */
  line?: number;
  reason: 'hash-mismatch' | 'broken-chain' | 'gap' | 'unparseable' | 'missing' | 'mirror-differs';
  message: string;
  expected?: string;
  actual?: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Entries checked in the store. */
  entries: number;
  /** Hash of the last entry (the chain head), null for an empty trail. */
  head: string | null;
  /** The first bad entry (what `mlops audit verify` reports), undefined when ok. */
  firstBad?: AuditProblem;
  /** Every problem found, store first, capped at 100. */
  problems: AuditProblem[];
  /** The JSONL mirror: present, entries, and whether it agrees with the store. */
  mirror: { file: string; present: boolean; entries: number; ok: boolean };
  durationMs: number;
}
