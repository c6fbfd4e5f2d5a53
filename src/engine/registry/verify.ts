/**
 * `mlops audit verify`: walk the store's chain, then the JSONL mirror, and compare the two. The
 * first bad entry (lowest seq, store before mirror) is what gets reported.
 */
import path from 'node:path';
import type { Store } from '../store/store.ts';
import type { AuditProblem, AuditVerification } from './api.ts';
import { verifyStoreChain } from './audit.ts';
import { verifyMirror } from './mirror.ts';

export async function verifyAudit(store: Store, mirrorFile: string | null): Promise<AuditVerification> {
  const started = performance.now();
  const hashes = new Map<number, string>();
  const chain = verifyStoreChain(store.db, (seq, hash) => hashes.set(seq, hash));
  const problems: AuditProblem[] = [...chain.problems];
  let mirror: AuditVerification['mirror'] = { file: mirrorFile ?? '', present: false, entries: 0, ok: true };
  if (mirrorFile) {
    const m = await verifyMirror(mirrorFile, hashes, chain.lastSeq);
    mirror = { file: path.resolve(mirrorFile), present: m.present, entries: m.checker.count, ok: m.checker.problems.length === 0 };
    problems.push(...m.checker.problems);
  }
  const sorted = [...problems].sort((a, b) => a.seq - b.seq || (a.where === b.where ? 0 : a.where === 'store' ? -1 : 1));
  return {
    ok: problems.length === 0,
    entries: chain.count,
    head: chain.head,
    ...(sorted[0] ? { firstBad: sorted[0] } : {}),
    problems: problems.slice(0, 100),
    mirror,
    durationMs: Math.round(performance.now() - started),
  };
}
