import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Store, storePath } from '../../../src/engine/store/store.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src/engine/store/migrations.ts';
import { MlopsError } from '../../../src/engine/errors.ts';
import { tempDir, NODE } from '../helpers/tmp.ts';

test('a new store is created at the latest schema, in WAL mode, with migrations recorded', () => {
  const root = tempDir();
  const store = Store.open(root, { origin: 'test' });
  try {
    assert.equal(store.schemaVersion, LATEST_SCHEMA_VERSION);
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.ok((store.db.pragma('busy_timeout', { simple: true }) as number) >= 5000);
    const rows = store.db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as Array<{ version: number; name: string }>;
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version));
  } finally {
    store.close();
  }
  assert.ok(existsSync(storePath(root)));
});

test('migrations run forward only and once, also when a later one is added', () => {
  const root = tempDir();
  const first = [{ version: 1, name: 'one', sql: 'CREATE TABLE a(x INTEGER) STRICT;' }];
  Store.open(root, { origin: 'test', migrations: first }).close();
  const second = [...first, { version: 2, name: 'two', sql: 'CREATE TABLE b(y TEXT) STRICT;' }];
  const s = Store.open(root, { origin: 'test', migrations: second });
  try {
    assert.equal(s.schemaVersion, 2);
    const tables = (s.db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    assert.ok(tables.includes('a') && tables.includes('b'));
    assert.equal((s.db.prepare('SELECT count(*) c FROM schema_migrations').get() as { c: number }).c, 2);
  } finally {
    s.close();
  }
});

test('a failing migration changes nothing', () => {
  const root = tempDir();
  const ok = [{ version: 1, name: 'one', sql: 'CREATE TABLE a(x INTEGER) STRICT;' }];
  Store.open(root, { origin: 'test', migrations: ok }).close();
  const broken = [...ok, { version: 2, name: 'broken', sql: 'CREATE TABLE c(z INTEGER); THIS IS NOT SQL;' }];
  assert.throws(() => Store.open(root, { origin: 'test', migrations: broken }), (e: unknown) => e instanceof MlopsError && /Migration 2/.test(e.message));
  const s = Store.open(root, { origin: 'test', migrations: ok });
  try {
    assert.equal(s.schemaVersion, 1);
    assert.equal(s.db.prepare("SELECT name FROM sqlite_master WHERE name='c'").get(), undefined);
  } finally {
    s.close();
  }
});

test('a store from a newer version is refused with a clear message and left untouched', () => {
  const root = tempDir();
  const s = Store.open(root, { origin: 'test' });
  s.db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
  s.close();
  const before = readFileSync(storePath(root));
  assert.throws(
    () => Store.open(root, { origin: 'test' }),
    (e: unknown) => e instanceof MlopsError && e.code === 'store-newer' && e.message.includes(storePath(root)) && /update/i.test(e.hint ?? ''),
  );
  assert.deepEqual(readFileSync(storePath(root)), before);
});

test('a corrupt store file is reported with its path and never overwritten', () => {
  const root = tempDir();
  Store.open(root, { origin: 'test' }).close();
  const file = storePath(root);
  writeFileSync(file, 'this is not a database, it is a note somebody saved here\n');
  const before = readFileSync(file);
  assert.throws(
    () => Store.open(root, { origin: 'test' }),
    (e: unknown) => e instanceof MlopsError && e.code === 'store-corrupt' && e.message.includes(file) && /Move it aside/.test(e.hint ?? ''),
  );
  assert.deepEqual(readFileSync(file), before);
});

test('a SQLite file with a damaged body is reported, not overwritten', () => {
  const root = tempDir();
  const s = Store.open(root, { origin: 'test' });
  for (let i = 0; i < 200; i++) s.recordActivity('fill', { i, pad: 'x'.repeat(200) });
  s.db.pragma('wal_checkpoint(TRUNCATE)');
  s.close();
  const file = storePath(root);
  const bytes = readFileSync(file);
  bytes.fill(0xab, 100, bytes.length); // keep the magic header, destroy everything else
  writeFileSync(file, bytes);
  assert.throws(() => Store.open(root, { origin: 'test' }), (e: unknown) => e instanceof MlopsError && e.code === 'store-corrupt');
  assert.deepEqual(readFileSync(file), bytes);
});

test('readonly open of a missing store says how to initialize', () => {
  const root = tempDir();
  assert.throws(() => Store.open(root, { origin: 'test', readonly: true }), (e: unknown) => e instanceof MlopsError && e.code === 'not-initialized' && /mlops init/.test(e.hint ?? ''));
  assert.equal(existsSync(path.join(root, '.mlops')), false);
});

test('meta and activity round-trip', () => {
  const root = tempDir();
  const s = Store.open(root, { origin: 'cli' });
  try {
    s.setMeta('k', 'v1');
    s.setMeta('k', 'v2');
    assert.equal(s.getMeta('k'), 'v2');
    s.recordActivity('a', { n: 1 }, 'me@example.com');
    s.recordActivity('b');
    const [latest, older] = s.recentActivity(2);
    assert.equal(latest!.action, 'b');
    assert.equal(latest!.detail, null);
    assert.deepEqual(older!.detail, { n: 1 });
    assert.equal(older!.origin, 'cli');
    assert.equal(older!.actor, 'me@example.com');
  } finally {
    s.close();
  }
});

test('two processes writing at once never see "database is locked"', async () => {
  const root = tempDir();
  Store.open(root, { origin: 'test' }).close();
  const storeModule = new URL('../../../src/engine/store/store.ts', import.meta.url).href;
  const writer = (name: string) => `
    const { Store } = await import(${JSON.stringify(storeModule)});
    const s = Store.open(${JSON.stringify(root)}, { origin: ${JSON.stringify(name)}, busyTimeoutMs: 10000 });
    for (let i = 0; i < 300; i++) {
      s.write((db) => { db.prepare('INSERT INTO activity(at, origin, action) VALUES (?, ?, ?)').run(new Date().toISOString(), ${JSON.stringify(name)}, 'w' + i); });
      if (i % 50 === 0) s.recentActivity(5);
    }
    s.close();`;
  const run = (name: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(NODE, ['--input-type=module', '-e', writer(name)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => resolve({ code, stderr }));
    });
  const results = await Promise.all([run('extension'), run('cli'), run('cli2')]);
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const s = Store.open(root, { origin: 'test' });
  try {
    const counts = s.db.prepare('SELECT origin, count(*) c FROM activity GROUP BY origin ORDER BY origin').all();
    assert.deepEqual(counts, [{ origin: 'cli', c: 300 }, { origin: 'cli2', c: 300 }, { origin: 'extension', c: 300 }]);
  } finally {
    s.close();
  }
});
