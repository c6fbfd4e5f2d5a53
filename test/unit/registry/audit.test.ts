// The hash-chained audit trail: canonical serialization, chain verification, every kind of
// tampering (edit, delete, reorder, rewritten chain, truncated tail) and the JSONL mirror.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { canonicalJson, jsonSafe, GENESIS_HASH } from '../../../src/engine/registry/canonical.ts';
import { appendAudit, entryHash } from '../../../src/engine/registry/audit.ts';
import { syncMirror } from '../../../src/engine/registry/mirror.ts';
import { verifyAudit } from '../../../src/engine/registry/verify.ts';
import { Store } from '../../../src/engine/store/store.ts';
import { tempDir } from './helpers.ts';

test('canonical JSON is RFC 8785 (JCS): sorted keys, no whitespace, ECMAScript numbers and escapes', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: 0.1, x: -0 } }), '{"a":[true,null,"x"],"b":1,"c":{"x":0,"y":0.1,"z":1e+21}}');
  // UTF-16 code unit order: "é" (U+00E9) sorts after "z"; U+10000 (surrogates D800…) before U+E000.
  assert.equal(canonicalJson({ 'é': 1, z: 2, '\u{10000}': 3, '\ue000': 4 }), '{"z":2,"é":1,"\u{10000}":3,"\ue000":4}');
  assert.equal(canonicalJson('line\nbreak "quoted" \u0001'), '"line\\nbreak \\"quoted\\" \\u0001"');
  assert.equal(canonicalJson({ skipped: undefined, kept: 1 }), '{"kept":1}');
  assert.throws(() => canonicalJson(NaN), /cannot hold NaN/);
  assert.deepEqual(jsonSafe({ m: { a: NaN, b: Infinity, c: -Infinity, d: 1 } }), { m: { a: 'NaN', b: 'Infinity', c: '-Infinity', d: 1 } });
});

function openStore(): { store: Store; root: string } {
  const root = tempDir('mlops-audit-');
  const store = Store.open(root, { origin: 'test' });
  return { store, root };
}

function fill(store: Store, n: number): void {
  store.write((db) => {
    for (let i = 0; i < n; i++) {
      appendAudit(db, {
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), actor: i % 2 ? 'bob@example.com' : 'alice@example.com', origin: 'test',
        action: 'promote', outcome: i === 2 ? 'blocked' : 'applied', model: 'churn', version: i + 1,
        from: { stage: 'None' }, to: { stage: 'Staging' },
        checks: [{ name: 'acc', expression: 'metrics.accuracy >= 0.9', passed: i !== 2, values: { 'metrics.accuracy': i === 2 ? NaN : 0.93 }, detail: 'x' }],
      });
    }
  });
}

test('entries chain: seq without gaps, prevHash links, hash = sha256(JCS(entry without hash)) — recomputable without our code', async () => {
  const { store } = openStore();
  fill(store, 5);
  const rows = store.db.prepare('SELECT seq, prev_hash, hash, checks FROM registry_audit ORDER BY seq').all() as Array<{ seq: number; prev_hash: string; hash: string; checks: string }>;
  assert.deepEqual(rows.map((r) => r.seq), [1, 2, 3, 4, 5]);
  assert.equal(rows[0]!.prev_hash, GENESIS_HASH);
  for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.prev_hash, rows[i - 1]!.hash);
  // NaN was stored JSON-safe, so the hashed text is plain JSON.
  assert.match(rows[2]!.checks, /"metrics.accuracy":"NaN"/);
  // Independent recomputation of entry 1 from the documented recipe.
  const e1 = { seq: 1, at: '2026-01-01T00:00:00.000Z', actor: 'alice@example.com', origin: 'test', action: 'promote', outcome: 'applied', model: 'churn', version: 1, from: { stage: 'None' }, to: { stage: 'Staging' }, checks: [{ name: 'acc', expression: 'metrics.accuracy >= 0.9', passed: true, values: { 'metrics.accuracy': 0.93 }, detail: 'x' }], detail: {}, prevHash: GENESIS_HASH };
  const text = '{"action":"promote","actor":"alice@example.com","at":"2026-01-01T00:00:00.000Z","checks":[{"detail":"x","expression":"metrics.accuracy >= 0.9","name":"acc","passed":true,"values":{"metrics.accuracy":0.93}}],"detail":{},"from":{"stage":"None"},"model":"churn","origin":"test","outcome":"applied","prevHash":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"to":{"stage":"Staging"},"version":1}';
  assert.equal(canonicalJson(e1), text);
  assert.equal(rows[0]!.hash, createHash('sha256').update(text).digest('hex'));
  assert.equal(entryHash(e1 as Parameters<typeof entryHash>[0]), rows[0]!.hash);
  const v = await verifyAudit(store, null);
  assert.equal(v.ok, true);
  assert.equal(v.entries, 5);
  assert.equal(v.head, rows[4]!.hash);
  store.close();
});

test('tampering in the store is found at the first bad entry: edited column, edited JSON, deleted row, reordered rows', async () => {
  const cases: Array<[string, (s: Store) => void, { seq: number; reason: string }]> = [
    ['actor edited', (s) => s.db.prepare("UPDATE registry_audit SET actor = 'mallory@example.com' WHERE seq = 3").run(), { seq: 3, reason: 'hash-mismatch' }],
    ['outcome edited', (s) => s.db.prepare("UPDATE registry_audit SET outcome = 'applied' WHERE seq = 3").run(), { seq: 3, reason: 'hash-mismatch' }],
    ['check value edited', (s) => s.db.prepare("UPDATE registry_audit SET checks = replace(checks, '0.93', '0.99') WHERE seq = 4").run(), { seq: 4, reason: 'hash-mismatch' }],
    ['JSON broken', (s) => s.db.prepare("UPDATE registry_audit SET detail = '{oops' WHERE seq = 2").run(), { seq: 2, reason: 'hash-mismatch' }],
    ['JSON reformatted, same meaning', (s) => s.db.prepare("UPDATE registry_audit SET from_state = '{ \"stage\": \"None\" }' WHERE seq = 5").run(), { seq: 5, reason: 'hash-mismatch' }],
    ['row deleted', (s) => s.db.prepare('DELETE FROM registry_audit WHERE seq = 3').run(), { seq: 3, reason: 'gap' }],
    ['first row deleted', (s) => s.db.prepare('DELETE FROM registry_audit WHERE seq = 1').run(), { seq: 1, reason: 'gap' }],
    ['rows swapped', (s) => s.db.exec('UPDATE registry_audit SET seq = -1 WHERE seq = 2; UPDATE registry_audit SET seq = 2 WHERE seq = 3; UPDATE registry_audit SET seq = 3 WHERE seq = -1;'), { seq: 2, reason: 'broken-chain' }],
  ];
  for (const [label, tamper, expected] of cases) {
    const { store } = openStore();
    fill(store, 5);
    tamper(store);
    const v = await verifyAudit(store, null);
    assert.equal(v.ok, false, label);
    assert.equal(v.firstBad?.seq, expected.seq, label);
    assert.equal(v.firstBad?.reason, expected.reason, label);
    assert.equal(v.firstBad?.where, 'store', label);
    store.close();
  }
});

test('a rewritten chain (every hash recomputed) and a truncated tail pass alone but are caught by the mirror', async () => {
  const { store, root } = openStore();
  const mirror = path.join(root, '.mlops', 'audit.jsonl');
  fill(store, 6);
  assert.equal(syncMirror(store, mirror), 6);
  assert.equal(syncMirror(store, mirror), 0, 'nothing new');
  assert.equal((await verifyAudit(store, mirror)).ok, true);

  // Truncation: the store alone looks fine; the mirror says entries 5 and 6 existed.
  store.db.prepare('DELETE FROM registry_audit WHERE seq > 4').run();
  assert.equal((await verifyAudit(store, null)).ok, true);
  const t = await verifyAudit(store, mirror);
  assert.equal(t.ok, false);
  assert.deepEqual([t.firstBad?.where, t.firstBad?.seq, t.firstBad?.reason], ['mirror', 5, 'missing']);
  assert.equal(syncMirror(store, mirror), -1, 'the mirror is ahead: nothing is appended');

  // Rewrite: edit entry 2 and recompute every hash after it — a self-consistent chain.
  const { store: s2, root: r2 } = openStore();
  const m2 = path.join(r2, 'audit.jsonl');
  fill(s2, 4);
  syncMirror(s2, m2);
  s2.db.prepare("UPDATE registry_audit SET actor = 'mallory@example.com' WHERE seq = 2").run();
  const rows = s2.db.prepare('SELECT seq FROM registry_audit ORDER BY seq').pluck().all() as number[];
  let prev = GENESIS_HASH;
  for (const seq of rows) {
    const r = s2.db.prepare('SELECT * FROM registry_audit WHERE seq = ?').get(seq) as Record<string, any>;
    const e = { seq, at: r.at, actor: r.actor, origin: r.origin, action: r.action, outcome: r.outcome, model: r.model, version: r.version, from: JSON.parse(r.from_state), to: JSON.parse(r.to_state), checks: JSON.parse(r.checks), detail: JSON.parse(r.detail), prevHash: prev };
    prev = entryHash(e as never);
    s2.db.prepare('UPDATE registry_audit SET prev_hash = ?, hash = ? WHERE seq = ?').run(e.prevHash, prev, seq);
  }
  assert.equal((await verifyAudit(s2, null)).ok, true, 'a rewritten chain is consistent on its own');
  const w = await verifyAudit(s2, m2);
  assert.equal(w.ok, false);
  assert.deepEqual([w.firstBad?.where, w.firstBad?.seq, w.firstBad?.reason, w.firstBad?.line], ['mirror', 2, 'mirror-differs', 2]);
  store.close();
  s2.close();
});

test('mirror: a hand-edited line is reported with its line number; a torn last line from a crash is repaired on the next sync', async () => {
  const { store, root } = openStore();
  const mirror = path.join(root, 'audit.jsonl');
  fill(store, 3);
  syncMirror(store, mirror);
  const lines = readFileSync(mirror, 'utf8').split('\n');
  writeFileSync(mirror, [lines[0], lines[1]!.replace('"bob@example.com"', '"eve@example.com"'), ...lines.slice(2)].join('\n'));
  const v = await verifyAudit(store, mirror);
  assert.equal(v.ok, false);
  assert.deepEqual([v.firstBad?.where, v.firstBad?.seq, v.firstBad?.line, v.firstBad?.reason], ['mirror', 2, 2, 'hash-mismatch']);
  // Re-formatting a line (jq, an editor) keeps its content: still valid. The recipe is plain JCS + sha256.
  const parsed = JSON.parse(lines[1]!) as { entry: Record<string, unknown>; hash: string };
  assert.equal(createHash('sha256').update(canonicalJson(parsed.entry)).digest('hex'), parsed.hash);
  writeFileSync(mirror, [lines[0], JSON.stringify({ hash: parsed.hash, entry: parsed.entry }, null, 1).replace(/\n/g, ''), ...lines.slice(2)].join('\n'));
  assert.equal((await verifyAudit(store, mirror)).ok, true);
  writeFileSync(mirror, lines.join('\n'));

  // Killed mid-append: half a line at the end. The next sync drops it and writes the entries again.
  fill(store, 1);
  appendFileSync(mirror, '{"action":"prom');
  assert.equal(syncMirror(store, mirror), 1);
  const again = await verifyAudit(store, mirror);
  assert.equal(again.ok, true, JSON.stringify(again.problems));
  assert.equal(again.mirror.entries, 4);
  store.close();
});
