import path from 'node:path';
import { readdirSync } from 'node:fs';
import Mocha from 'mocha';

/** Loaded by the extension host (extensionTestsPath): runs every bundled *.test.js next to this file. */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  const dir = __dirname;
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.js')) files.push(p);
    }
  };
  walk(dir);
  const grep = process.env.MLOPS_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const f of files.sort()) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
