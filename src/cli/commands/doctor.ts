import type { CliCommand } from '../command.ts';
import { EXIT, printJson, table } from '../io.ts';
import { VERSION } from '../../engine/version.ts';
import { loadSqlite, runtimeDescription, REQUIRED_NAPI } from '../../engine/store/native.ts';
import { describeError } from '../../engine/errors.ts';

export const doctorCommand: CliCommand = {
  name: ['doctor'],
  summary: 'Check the runtime: Node.js, Node-API and the SQLite module',
  usage: '[--json]',
  run({ io, json }) {
    let sqlite: { ok: boolean; version?: string; error?: string };
    try {
      const Database = loadSqlite();
      const db = new Database(':memory:');
      sqlite = { ok: true, version: (db.prepare('select sqlite_version() as v').get() as { v: string }).v };
      db.close();
    } catch (e) {
      sqlite = { ok: false, error: describeError(e) };
    }
    const report = { version: VERSION, runtime: runtimeDescription(), requiredNapi: REQUIRED_NAPI, platform: `${process.platform}-${process.arch}`, sqlite };
    if (json) printJson(io, report);
    else {
      io.out(table([
        ['mlops', VERSION],
        ['runtime', report.runtime],
        ['platform', report.platform],
        ['sqlite', sqlite.ok ? `ok (SQLite ${sqlite.version})` : `FAILED: ${sqlite.error}`],
      ]));
    }
    return sqlite.ok ? EXIT.ok : EXIT.failure;
  },
};
