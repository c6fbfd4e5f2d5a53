// Starts and stops code-server for browser journeys, and installs extensions into it.
// Same flags and settings as scripts/run-ext-tests.js (test/code-server-settings.json; shared/reference/vscode-rig.md §4, §7).
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const REPO = path.resolve(import.meta.dirname, '../../..');
export const HOST = '127.0.0.1';

/**
 * Settings and flags shared with scripts/run-ext-tests.js, so the journeys and the integration
 * tests run the same editor; the reasons for each are in the file.
 */
interface RigConfig {
  settings: Record<string, unknown>;
  trustedSettings: Record<string, unknown>;
  untrustedSettings: Record<string, unknown>;
  serverFlags: string[];
  trustedFlags: string[];
  vscodeOptions: string[];
  smokeTestDriverOption: string;
  chromiumArgs: string[];
}
const RIG = JSON.parse(readFileSync(path.join(REPO, 'test', 'code-server-settings.json'), 'utf8')) as RigConfig;

/** Headless Chromium flags of both runners. */
export const CHROMIUM_ARGS: readonly string[] = RIG.chromiumArgs;

export type Trust = 'trusted' | 'untrusted';

export interface StartOptions {
  /** Folder to open; omitted = empty window. */
  folder?: string;
  extensionsDir?: string;
  userDataDir?: string;
  /** Merged over the settings of test/code-server-settings.json (last wins). */
  settings?: Record<string, unknown>;
  /** Default: trusted (`--disable-workspace-trust`), or `untrusted` when MLOPS_TEST_TRUST=untrusted. */
  trust?: Trust;
  /** Extra environment for the server and its extension host. */
  env?: Record<string, string>;
  /** Keep the temp dir (config, log, default user data) after stop(). */
  keepTmp?: boolean;
  /**
   * `enable-smoke-test-driver` (needed only for the Mocha payload, see scripts/run-ext-tests.js).
   * Off by default: with it on, the workbench never shows notification toasts.
   */
  smokeTestDriver?: boolean;
}

export interface CodeServer {
  url: string;
  port: number;
  tmpDir: string;
  logFile: string;
  extensionsDir: string;
  userDataDir: string;
  /** The last lines of the server log, for failure reports. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

interface Launcher {
  entry: string;
  version: string;
  vscodeOptions: boolean;
}

let launcherCache: Launcher | undefined;

/** code-server's real entry script, checked once per process. */
export async function codeServerLauncher(): Promise<Launcher> {
  if (launcherCache) return launcherCache;
  const shim = process.env.CODE_SERVER_PATH ?? path.join(REPO, '.vscode-test/code-server/node_modules/.bin/code-server');
  if (!existsSync(shim)) throw new Error(`code-server not found at ${shim}: run 'bash scripts/setup-editor.sh' or set CODE_SERVER_PATH`);
  const entry = realpathSync(shim);
  const pkg = JSON.parse(readFileSync(path.resolve(path.dirname(entry), '../../package.json'), 'utf8')) as { version: string; engines?: { node?: string } };
  const wanted = /(\d+)/.exec(pkg.engines?.node ?? '')?.[1];
  if (wanted && wanted !== process.versions.node.split('.')[0]) {
    console.warn(`[e2e] code-server ${pkg.version} wants Node ${pkg.engines?.node}; this is ${process.versions.node} (${process.execPath}): expect HTTP 500s`);
  }
  const help = await execFileAsync(process.execPath, [entry, '--help'], { timeout: 20_000 }).then((r) => r.stdout, () => '');
  launcherCache = { entry, version: pkg.version, vscodeOptions: /--vscode-option\b/.test(help) };
  return launcherCache;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: urlPath, timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => { req.destroy(); resolve(0); });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Process groups of servers not yet stopped. Playwright exits the process on SIGINT/SIGTERM
// (after closing its browsers); this makes sure the servers go too.
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const g of liveGroups) {
      try { process.kill(-g, 'SIGTERM'); } catch { /* gone */ }
    }
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the whole process group (fileWatcher, agentHost… outlive the parent), SIGKILL after 3 s. */
export async function killGroup(child: ChildProcess): Promise<void> {
  const pgid = child.pid;
  if (!pgid || !groupAlive(pgid)) return;
  try { process.kill(-pgid, 'SIGTERM'); } catch { /* gone */ }
  for (const deadline = Date.now() + 3_000; Date.now() < deadline && groupAlive(pgid);) await sleep(100);
  if (groupAlive(pgid)) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines)
      .map((l) => (l.length > 400 ? `${l.slice(0, 400)} …` : l)).join('\n');
  } catch {
    return '';
  }
}

function readSettings(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The adapter's flags (rig §4), minus the smoke-test driver unless asked for. */
export function serverArgs(l: Launcher, o: { configFile: string; port: number; userDataDir: string; extensionsDir: string; trust: Trust; smokeTestDriver: boolean }): string[] {
  const args = [
    '--config', o.configFile, '--bind-addr', `${HOST}:${o.port}`, ...RIG.serverFlags,
    '--user-data-dir', o.userDataDir, '--extensions-dir', o.extensionsDir,
  ];
  if (o.trust === 'trusted') args.push(...RIG.trustedFlags);
  if (l.vscodeOptions) {
    for (const option of RIG.vscodeOptions) args.push('--vscode-option', option);
    if (o.smokeTestDriver) args.push('--vscode-option', RIG.smokeTestDriverOption);
  }
  return args;
}

export async function startCodeServer(opts: StartOptions = {}): Promise<CodeServer> {
  const launcher = await codeServerLauncher();
  const trust: Trust = opts.trust ?? (process.env.MLOPS_TEST_TRUST === 'untrusted' ? 'untrusted' : 'trusted');
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'mlops-e2e-cs-'));
  const configFile = path.join(tmpDir, 'config.yaml');
  writeFileSync(configFile, '');
  const userDataDir = path.resolve(opts.userDataDir ?? path.join(tmpDir, 'user'));
  const extensionsDir = path.resolve(opts.extensionsDir ?? path.join(tmpDir, 'ext'));
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  writeFileSync(settingsFile, JSON.stringify({
    ...(opts.userDataDir ? readSettings(settingsFile) : {}),
    ...RIG.settings,
    ...(trust === 'untrusted' ? RIG.untrustedSettings : RIG.trustedSettings),
    ...opts.settings,
  }, null, 2) + '\n');
  const logFile = path.join(tmpDir, 'code-server.log');
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...opts.env,
    PATH: [path.dirname(process.execPath), process.env.PATH].filter(Boolean).join(path.delimiter),
  };
  if (!launcher.vscodeOptions && opts.smokeTestDriver) env.VSCODE_OPTIONS = RIG.smokeTestDriverOption;

  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    const out = openSync(logFile, 'a');
    const candidate = spawn(process.execPath, [launcher.entry, ...serverArgs(launcher, { configFile, port, userDataDir, extensionsDir, trust, smokeTestDriver: opts.smokeTestDriver ?? false })], {
      detached: true, stdio: ['ignore', out, out], env,
    });
    closeSync(out);
    let exited = false;
    candidate.once('exit', () => { exited = true; });
    let ok = false;
    const deadline = Date.now() + 30_000;
    while (!ok && !exited && Date.now() < deadline) {
      ok = await httpStatus(port, '/healthz') === 200;
      if (!ok) await sleep(100);
    }
    const status = ok ? await httpStatus(port, '/?ew=true') : 0;
    if (ok && status < 500) {
      child = candidate;
      if (candidate.pid) trackGroup(candidate.pid);
      break;
    }
    await killGroup(candidate);
    const portTaken = /EADDRINUSE/.test(tail(logFile, 50));
    if (!portTaken || attempt === 3) {
      const why = ok ? `answers HTTP ${status} (wrong Node?)` : 'did not become healthy';
      throw new Error(`code-server ${launcher.version} ${why} on port ${port}\n${tail(logFile, 30)}`);
    }
  }

  const query = new URLSearchParams(opts.folder ? { folder: path.resolve(opts.folder) } : { ew: 'true' });
  const server = child;
  let stopped = false;
  return {
    url: `http://${HOST}:${port}/?${query}`,
    port, tmpDir, logFile, extensionsDir, userDataDir,
    logTail: (lines = 40) => tail(logFile, lines),
    async stop() {
      if (stopped) return;
      stopped = true;
      await killGroup(server);
      if (server.pid) liveGroups.delete(server.pid);
      if (!opts.keepTmp && process.env.MLOPS_TEST_KEEP_TMP !== '1') rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}

/** `code-server --install-extension <vsix>` into extensionsDir (about 0.7 s, offline). Returns the CLI output. */
export async function installVsix(vsixPath: string, extensionsDir: string): Promise<string> {
  const launcher = await codeServerLauncher();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mlops-e2e-install-'));
  try {
    writeFileSync(path.join(tmp, 'config.yaml'), '');
    mkdirSync(extensionsDir, { recursive: true });
    const { stdout, stderr } = await execFileAsync(process.execPath, [
      launcher.entry, '--config', path.join(tmp, 'config.yaml'), '--user-data-dir', path.join(tmp, 'user'),
      '--extensions-dir', path.resolve(extensionsDir), '--install-extension', path.resolve(vsixPath), '--force',
    ], { timeout: 120_000 });
    const out = `${stdout}${stderr}`;
    if (!/successfully installed|already installed/i.test(out)) throw new Error(`installing ${vsixPath} failed:\n${out}`);
    return out.trim();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Alternative to a .vsix (rig §7): link a built extension folder as <publisher>.<name>-<version>. */
export function linkExtension(extensionPath: string, extensionsDir: string): string {
  const dir = path.resolve(extensionPath);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  mkdirSync(extensionsDir, { recursive: true });
  const link = path.join(path.resolve(extensionsDir), `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  rmSync(link, { recursive: true, force: true });
  symlinkSync(dir, link, 'dir');
  return link;
}
