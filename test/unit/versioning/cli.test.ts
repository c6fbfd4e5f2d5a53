import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/io.ts';
import { tempDir } from './helpers.ts';
import { gitCommitAll, read, write } from './workspace.ts';

const CLI = path.resolve(import.meta.dirname, '../../../src/cli/index.ts');

async function run(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string; json: () => any }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t), err: (t) => (err += t), cwd, env: {}, isTTY: false };
  const code = await main(argv, io);
  return { code, out, err, json: () => JSON.parse(out) };
}

test('mlops add / status / log / checkout / untrack, text and --json, exit codes', async () => {
  const root = await fs.realpath(await tempDir('mlops-cli-'));
  spawnSync('git', ['init', '-q'], { cwd: root });
  spawnSync('git', ['config', 'user.email', 'cli@example.com'], { cwd: root });
  spawnSync('git', ['config', 'user.name', 'CLI'], { cwd: root });
  assert.equal((await run(['init'], root)).code, 0);
  await write(root, 'data/a.csv', 'x\n1\n');
  await write(root, 'data/set/one', 'one');

  const sub = path.join(root, 'data');
  const add = await run(['add', 'a.csv', 'set', '--json'], sub);
  assert.equal(add.code, 0, add.err + add.out);
  const added = add.json();
  assert.deepEqual(added.map((r: any) => [r.artifact.path, r.changed]), [['data/a.csv', true], ['data/set', true]]);
  const v1 = added[0].version.hash;
  const text = await run(['add', 'data/a.csv'], root);
  assert.match(text.out, /^unchanged {2}data\/a\.csv {2}[0-9a-f]{8} {2}4 bytes {2}→ data\/a\.csv\.dvc$/m);

  await write(root, 'data/a.csv', 'x\n2\n3\n');
  const st = await run(['status', '--json'], root);
  assert.equal(st.code, 0);
  assert.deepEqual(st.json().artifacts.map((a: any) => [a.path, a.status]), [['data/a.csv', 'modified'], ['data/set', 'up-to-date']]);
  const table = await run(['status'], root);
  assert.match(table.out, /^PATH +STATUS +HASH/m);
  assert.match(table.out, /^data\/a\.csv +modified +[0-9a-f]{8} +4 +1 +data\/a\.csv\.dvc$/m);

  // Unsaved content: refused (exit 1, message and hint), then forced.
  const refused = await run(['checkout', 'data/a.csv', '--version', v1.slice(0, 10)], root);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /not stored in the cache.*mlops add/s);
  const forced = await run(['checkout', 'data/a.csv', '--version', v1.slice(0, 10), '--force', '--json'], root);
  assert.equal(forced.code, 0, forced.out);
  assert.deepEqual(forced.json(), [{ path: 'data/a.csv', hash: v1, written: 1 }]);
  assert.equal(await read(root, 'data/a.csv'), 'x\n1\n');

  // A saved second version, then back to the first: recorded as a restore.
  await write(root, 'data/a.csv', 'x\n9\n');
  assert.equal((await run(['add', 'data/a.csv'], root)).code, 0);
  assert.equal((await run(['checkout', 'data/a.csv', '--version', v1], root)).code, 0);
  const log = await run(['log', 'data/a.csv', '--json'], root);
  assert.deepEqual(log.json().map((r: any) => [r.hash === v1, r.origin]), [[true, 'restore'], [false, 'cli'], [true, 'cli']]);
  assert.equal(log.json()[0].actor, 'cli@example.com');
  assert.match((await run(['log', 'data/a.csv'], root)).out, /^HASH +RECORDED +ORIGIN/m);

  // checkout without options brings back what the pointers say; --rev from git.
  const c = gitCommitAll(root, 'data v2');
  await fs.rm(path.join(root, 'data/set'), { recursive: true });
  const restored = await run(['checkout'], root);
  assert.equal(restored.code, 0, restored.err);
  assert.match(restored.out, /restored {2}data\/set/);
  assert.equal(await read(root, 'data/set/one'), 'one');
  assert.equal((await run(['checkout', '--rev', c, '--json'], root)).code, 0);

  const bad = await run(['add', '../outside', '--json'], root);
  assert.equal(bad.code, 1);
  assert.equal(bad.json().error.code, 'refused');
  assert.equal((await run(['checkout', '--version', 'abc', '--rev', 'HEAD'], root)).code, 2, 'usage error');

  const un = await run(['untrack', 'data/set'], root);
  assert.equal(un.code, 0);
  assert.deepEqual((await run(['status', '--json'], root)).json().artifacts.map((a: any) => a.path), ['data/a.csv']);
  const gc = await run(['gc', '--dry-run', '--json'], root);
  assert.equal(gc.code, 0);
  assert.equal(gc.json().dryRun, true);

  // Malformed pointer: status still lists the rest, reports file:line, exits 1.
  await write(root, 'models/bad.dvc', 'outs:\n- path: bad\n  md5: [1\n');
  const broken = await run(['status'], root);
  assert.equal(broken.code, 1);
  assert.match(broken.err, /models\/bad\.dvc:\d+/);
  assert.match(broken.out, /data\/a\.csv/);
});

test('mlops push / pull with a folder remote, in real processes', async () => {
  const remote = await tempDir('mlops-cli-remote-');
  const mk = async (): Promise<string> => {
    const root = await fs.realpath(await tempDir('mlops-cli-'));
    await write(root, 'mlops.yaml', `version: 1\nremotes:\n  default: team\n  team: { url: ${remote} }\n`);
    assert.equal((await run(['init'], root)).code, 0);
    return root;
  };
  const a = await mk();
  const b = await mk();
  await write(a, 'data/d/x', 'xx');
  const cli = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  assert.equal(cli(a, 'add', 'data/d').status, 0);
  const pushed = cli(a, 'push', '--json');
  assert.equal(pushed.status, 0, pushed.stderr);
  assert.equal(JSON.parse(pushed.stdout).transferred, 2);
  await write(b, 'data/d.dvc', await read(a, 'data/d.dvc'));
  const pulled = cli(b, 'pull');
  assert.equal(pulled.status, 0, pulled.stderr);
  assert.match(pulled.stdout, /pulled 2 object\(s\)/);
  assert.equal(await read(b, 'data/d/x'), 'xx');
  const none = cli(b, 'push', 'nope');
  assert.equal(none.status, 1);
  assert.match(none.stderr, /unknown remote 'nope'/);
  const outside = cli(path.dirname(remote), 'status');
  assert.equal(outside.status, 1);
  assert.match(outside.stderr, /not inside an MLOps workspace/);
});
