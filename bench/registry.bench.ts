// `mlops audit verify` over 100,000 audit entries (store chain + JSONL mirror) vs `sha256sum` of
// the same bytes (the mirror file, which holds every entry once), same machine, same run. The
// baseline only hashes; verify also reads SQLite rows, rebuilds each entry's canonical text,
// parses the mirror and checks links, gaps and the store/mirror agreement.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../src/engine/store/store.ts';
import { appendAudit } from '../src/engine/registry/audit.ts';
import { syncMirror } from '../src/engine/registry/mirror.ts';
import { verifyAudit } from '../src/engine/registry/verify.ts';
import { compare, measure, measureCommand, saveResults } from './harness.ts';

const N = 100_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-registry-'));
try {
  const store = Store.open(dir, { origin: 'bench' });
  const mirror = path.join(dir, '.mlops', 'audit.jsonl');
  const t0 = performance.now();
  store.write((db) => {
    for (let i = 0; i < N; i++) {
      // A realistic mix: promotions with two checks, registrations with lineage facts.
      const promote = i % 3 !== 0;
      appendAudit(db, {
        at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), actor: `user${i % 7}@example.com`, origin: i % 2 ? 'cli' : 'extension',
        action: promote ? 'promote' : 'register', outcome: i % 11 === 0 ? 'blocked' : 'applied', model: `model-${i % 50}`, version: 1 + Math.floor(i / 50),
        from: promote ? { stage: 'Staging' } : null, to: promote ? { stage: 'Production' } : { version: 1 + Math.floor(i / 50), stage: 'None' },
        checks: promote ? [
          { name: 'metrics.accuracy >= 0.85', expression: 'metrics.accuracy >= 0.85', passed: i % 11 !== 0, values: { 'metrics.accuracy': 0.8 + (i % 10) / 100 }, detail: 'metrics.accuracy = 0.87, needs >= 0.85', location: { file: '/ws/mlops.yaml', line: 17 } },
          { name: 'newer-than-current', expression: 'newer-than-current', passed: true, values: { version: 3, 'current.version': 2 }, detail: 'v3 is newer than v2' },
        ] : [],
        detail: promote ? {} : { path: 'models/model.json', kind: 'file', hash: 'a'.repeat(32), size: 1129, runId: `mlops:run-${i}`, gitCommit: 'b'.repeat(40) },
      });
    }
  });
  const appendMs = performance.now() - t0;
  syncMirror(store, mirror);
  const bytes = statSync(mirror).size;

  let entries = 0;
  const ours = await measure(async () => {
    const v = await verifyAudit(store, mirror);
    if (!v.ok) throw new Error(`verify failed: ${v.firstBad?.message}`);
    entries = v.entries;
  }, { runs: 5 });
  const storeOnly = await measure(async () => {
    if (!(await verifyAudit(store, null)).ok) throw new Error('verify failed');
  }, { runs: 5 });
  const baseline = await measureCommand('sha256sum', [mirror], { runs: 5 });
  compare(`registry: audit verify ${N.toLocaleString('en-US')} entries (store + mirror)`, ours, baseline, 'sha256sum of the mirror', 5, {
    entries, 'mirror MiB': bytes / 2 ** 20, 'store-only verify (ms)': storeOnly.median, 'store-only ratio': storeOnly.median / baseline.median,
    'append 100k entries (ms, one transaction)': appendMs,
  });
  store.close();
  saveResults('registry');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
