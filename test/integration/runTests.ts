// Runs the Mocha suites inside a real VS Code extension host: @vscode/test-electron drives our
// code-server adapter (scripts/run-ext-tests.js) instead of a downloaded desktop build.
import { runTests } from '@vscode/test-electron';
import { cpSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../..');
const adapter = path.join(repo, 'scripts/run-ext-tests.js');
const codeServer = process.env.CODE_SERVER_PATH ?? path.join(repo, '.vscode-test/code-server/node_modules/.bin/code-server');
if (!existsSync(codeServer)) {
  console.error(`code-server not found at ${codeServer}: run 'bash scripts/setup-editor.sh' (npm test does this for you).`);
  process.exit(2);
}

// Each run gets a fresh copy of the fixture workspace, so tests may create .mlops/ freely.
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mlops-it-'));
const workspace = path.join(tmp, 'workspace');
cpSync(path.join(repo, 'test/fixtures/workspace'), workspace, { recursive: true });

let code = 0;
try {
  await runTests({
    vscodeExecutablePath: adapter,
    extensionDevelopmentPath: repo,
    extensionTestsPath: path.join(repo, 'out/test/integration/index.js'),
    launchArgs: [workspace, `--user-data-dir=${path.join(tmp, 'user')}`, `--extensions-dir=${path.join(tmp, 'ext')}`],
    extensionTestsEnv: {
      CODE_SERVER_PATH: codeServer,
      MLOPS_TEST_WORKSPACE: workspace,
      MLOPS_REPO: repo,
      ...(process.env.MLOPS_TEST_GREP ? { MLOPS_TEST_GREP: process.env.MLOPS_TEST_GREP } : {}),
    },
  });
} catch (e) {
  console.error(`integration tests failed: ${(e as Error).message}`);
  code = 1;
} finally {
  if (!process.env.MLOPS_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
}
process.exit(code);
