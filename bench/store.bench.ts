// Store write path vs raw better-sqlite3 bulk insert, same machine, same run.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Store } from '../src/engine/store/store.ts';
import { loadSqlite } from '../src/engine/store/native.ts';
import { measure, compare, saveResults } from './harness.ts';

const N = 100_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-store-'));
try {
  let i = 0;
  const ours = await measure(() => {
    const s = Store.openFile(path.join(dir, `ours-${i++}.db`), { origin: 'bench' });
    s.write((db) => {
      const st = db.prepare('INSERT INTO activity(at, origin, action, detail) VALUES (?, ?, ?, ?)');
      for (let k = 0; k < N; k++) st.run('2026-01-01T00:00:00.000Z', 'bench', 'write', '{"k":1}');
    });
    s.close();
  });
  const Database = loadSqlite();
  let j = 0;
  const raw = await measure(() => {
    const db = new Database(path.join(dir, `raw-${j++}.db`));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE activity (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, origin TEXT NOT NULL, actor TEXT, action TEXT NOT NULL, detail TEXT) STRICT; CREATE INDEX activity_at ON activity(at);');
    const st = db.prepare('INSERT INTO activity(at, origin, action, detail) VALUES (?, ?, ?, ?)');
    db.transaction(() => { for (let k = 0; k < N; k++) st.run('2026-01-01T00:00:00.000Z', 'bench', 'write', '{"k":1}'); })();
    db.close();
  });
  compare(`store: open+migrate+insert ${N.toLocaleString('en-US')} rows`, ours, raw, 'raw better-sqlite3', 1.5, { 'rows/s (ours)': N / (ours.median / 1000) });
  saveResults('store');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
