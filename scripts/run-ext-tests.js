#!/usr/bin/env node
'use strict';
// Runs an extension's Mocha tests inside code-server's extension host, driven by headless
// Chromium. Stands in for the VS Code executable: use it as `vscodeExecutablePath` for
// @vscode/test-electron's runTests (or useInstallation.fromPath for @vscode/test-cli), or call it
// directly. See shared/reference/vscode-rig.md §4–§6.
//
//   node scripts/run-ext-tests.js --extensionDevelopmentPath <dir> --extensionTestsPath <file> [--folder <dir> | <dir>]
//
// Exit codes: 0/1 = the extension host's result, 2 = code-server did not start, 3 = timeout,
// 4 = internal error (130/143 when interrupted).
//
// Environment:
//   CODE_SERVER_PATH        code-server launcher (default <repo>/.vscode-test/code-server/node_modules/.bin/code-server)
//   CHROMIUM_PATH           default /usr/bin/chromium
//   MLOPS_TEST_TIMEOUT_MS   default 240000
//   MLOPS_TEST_SCREENSHOT   write a PNG of the window there at the end
//   MLOPS_TEST_TRUST        `untrusted`: keep Workspace Trust on, folder opens in Restricted Mode
//   MLOPS_TEST_KEEP_TMP     `1`: keep the run's temp dir even on success (always kept on failure)
//   MLOPS_TEST_VERBOSE      `1`: also echo workbench chatter, known offline errors and the page's console errors
//
// Started by a Node that code-server cannot run on (the shebang outside npm finds the system Node
// 20), it re-runs itself once under <repo>/node_modules/.bin/node.

const childProcess = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const util = require('node:util');

const REPO = path.resolve(__dirname, '..');
const EXIT = { PASS: 0, FAIL: 1, NO_SERVER: 2, TIMEOUT: 3, INTERNAL: 4 };
const HOST = '127.0.0.1';
const HEALTH_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 3_000;

// Settings and flags shared with the browser journeys (test/e2e/lib/code-server.ts); the reasons
// for each are in the file.
const RIG = JSON.parse(fs.readFileSync(path.join(REPO, 'test', 'code-server-settings.json'), 'utf8'));

// VS Code flags we do not use but whose value may come as a separate word; swallowing the value
// keeps it from being taken for the folder.
const FOREIGN_VALUE_FLAGS = new Set([
  'locale', 'profile', 'log', 'sync', 'extensionEnvironment', 'extensionDevelopmentKind',
  'crash-reporter-directory', 'crash-reporter-id', 'logsPath', 'user-data-dir-root',
  'install-extension', 'uninstall-extension', 'category', 'remote', 'file-uri', 'folder-uri',
]);

const log = (msg) => process.stderr.write(`[run-ext-tests] ${msg}\n`);

class AdapterError extends Error {
  constructor(message, exitCode) {
    super(message);
    this.exitCode = exitCode;
  }
}

function parseArgs(argv) {
  const opts = {
    extensionDevelopmentPath: [],
    extensionTestsPath: undefined,
    folder: undefined,
    extensionsDir: undefined,
    userDataDir: undefined,
    inspectExtensions: undefined,
    inspectBrk: false,
    enableProposedApi: false,
    help: false,
    ignored: [],
  };
  const positionals = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith('-') || arg === '-') { positionals.push(arg); continue; }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    const value = () => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new AdapterError(`--${name} needs a value`, EXIT.INTERNAL);
      i++;
      return next;
    };
    switch (name) {
      case 'extensionDevelopmentPath': opts.extensionDevelopmentPath.push(path.resolve(value())); break;
      case 'extensionTestsPath': opts.extensionTestsPath = path.resolve(value()); break;
      case 'folder': opts.folder = path.resolve(value()); break;
      case 'extensions-dir': case 'extensionHomePath': opts.extensionsDir = path.resolve(value()); break;
      case 'user-data-dir': opts.userDataDir = path.resolve(value()); break;
      case 'inspect-extensions': opts.inspectExtensions = inline; break;
      case 'inspect-brk-extensions': opts.inspectExtensions = inline; opts.inspectBrk = true; break;
      case 'enable-proposed-api': opts.enableProposedApi = true; if (inline === undefined && argv[i + 1] && !argv[i + 1].startsWith('-') && /^[\w-]+\.[\w-]+$/.test(argv[i + 1])) i++; break;
      case 'h': case 'help': opts.help = true; break;
      default:
        if (inline === undefined && FOREIGN_VALUE_FLAGS.has(name) && argv[i + 1] !== undefined && !argv[i + 1].startsWith('-')) i++;
        opts.ignored.push(arg);
    }
  }
  if (!opts.folder && positionals.length) opts.folder = path.resolve(positionals[0]);
  if (positionals.length > 1) log(`ignoring extra positional arguments: ${positionals.slice(1).join(' ')}`);
  return opts;
}

const USAGE = `usage: run-ext-tests.js --extensionDevelopmentPath <dir> [--extensionDevelopmentPath <dir>...]
                        --extensionTestsPath <module> [--folder <dir> | <dir> | <file.code-workspace>]
                        [--extensions-dir <dir>] [--user-data-dir <dir>]
Other flags (test-electron's --no-sandbox, --disable-workspace-trust, ...) are ignored.
Env: CODE_SERVER_PATH, CHROMIUM_PATH, MLOPS_TEST_TIMEOUT_MS, MLOPS_TEST_SCREENSHOT,
     MLOPS_TEST_TRUST=untrusted, MLOPS_TEST_KEEP_TMP=1, MLOPS_TEST_VERBOSE=1`;

function resolveCodeServer() {
  const launcher = process.env.CODE_SERVER_PATH || path.join(REPO, '.vscode-test/code-server/node_modules/.bin/code-server');
  let entry;
  try {
    entry = fs.realpathSync(launcher);
  } catch {
    throw new AdapterError(`code-server not found at ${launcher}: run scripts/setup-editor.sh or set CODE_SERVER_PATH`, EXIT.NO_SERVER);
  }
  let pkg;
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const json = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (json.name === 'code-server') { pkg = json; break; }
    }
  }
  const wanted = pkg && pkg.engines && pkg.engines.node ? String(pkg.engines.node) : undefined;
  const wantedMajor = wanted && /(\d+)/.exec(wanted);
  const ourMajor = process.versions.node.split('.')[0];
  const mismatch = Boolean(wantedMajor && wantedMajor[1] !== ourMajor);
  if (mismatch) {
    log(`warning: code-server ${pkg.version} wants Node ${wanted}, this is Node ${process.versions.node} (${process.execPath}); expect HTTP 500s`);
  }
  return { entry, version: pkg ? pkg.version : 'unknown', wantedMajor: wantedMajor ? wantedMajor[1] : undefined, mismatch };
}

// Started by a `node` that code-server cannot run on (the #!/usr/bin/env shebang outside npm finds
// the system Node 20): re-run this script under the project's Node once, instead of timing out.
function reexecWithProjectNode(cs) {
  const projectNode = path.join(REPO, 'node_modules/.bin/node');
  if (process.env.MLOPS_TEST_REEXEC === '1' || !fs.existsSync(projectNode)) return undefined;
  const probe = childProcess.spawnSync(projectNode, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  if (probe.status !== 0 || probe.stdout.trim().split('.')[0] !== cs.wantedMajor) return undefined;
  log(`re-running under ${projectNode} (Node ${probe.stdout.trim()})`);
  const child = childProcess.spawn(projectNode, [__filename, ...process.argv.slice(2)], {
    stdio: 'inherit', env: { ...process.env, MLOPS_TEST_REEXEC: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => child.on('exit', (code) => resolve(code === null ? EXIT.INTERNAL : code)));
}

function supportedVscodeOptions(entry) {
  try {
    const help = childProcess.execFileSync(process.execPath, [entry, '--help'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return /--vscode-option\b/.test(help);
  } catch {
    return false;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function readJsonLoose(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if (err.code !== 'ENOENT') log(`warning: could not parse ${file} (${err.message}); replacing it`);
    return {};
  }
}

function prepareRun(opts, untrusted) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-ext-tests-'));
  const configFile = path.join(tmp, 'config.yaml');
  fs.writeFileSync(configFile, '');
  const userDataDir = opts.userDataDir || path.join(tmp, 'user');
  const extensionsDir = opts.extensionsDir || path.join(tmp, 'ext');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  const trust = untrusted ? RIG.untrustedSettings : RIG.trustedSettings;
  // A given --user-data-dir keeps its own settings; ours win where they overlap.
  const settings = { ...(opts.userDataDir ? readJsonLoose(settingsFile) : {}), ...RIG.settings, ...trust };
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + '\n');
  return { tmp, configFile, userDataDir, extensionsDir, logFile: path.join(tmp, 'code-server.log') };
}

function startServer(cs, run, port, untrusted) {
  const args = [
    cs.entry,
    '--config', run.configFile,
    '--bind-addr', `${HOST}:${port}`,
    ...RIG.serverFlags,
    '--user-data-dir', run.userDataDir,
    '--extensions-dir', run.extensionsDir,
  ];
  if (!untrusted) args.push(...RIG.trustedFlags);
  if (cs.vscodeOptions) for (const o of [RIG.smokeTestDriverOption, ...RIG.vscodeOptions]) args.push('--vscode-option', o);
  const env = { ...process.env };
  if (!cs.vscodeOptions) env.VSCODE_OPTIONS = RIG.smokeTestDriverOption;
  // Child processes of the extension host (and terminals) that say `node` get this Node too.
  env.PATH = [path.dirname(process.execPath), env.PATH].filter(Boolean).join(path.delimiter);
  const out = fs.openSync(run.logFile, 'a');
  const child = childProcess.spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env });
  fs.closeSync(out);
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.on('error', (err) => log(`code-server spawn error: ${err.message}`));
  return child;
}

function httpStatus(port, urlPath) {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: urlPath, timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => { req.destroy(); resolve(0); });
  });
}

async function healthy(port) {
  return (await httpStatus(port, '/healthz')) === 200;
}

async function waitForHealth(child, port) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let exited = false;
  child.exited.then(() => { exited = true; });
  while (Date.now() < deadline) {
    if (exited) return false;
    if (await healthy(port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killGroup(child) {
  if (!child || !child.pid || !groupAlive(child.pid)) return;
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  const deadline = Date.now() + KILL_GRACE_MS;
  while (Date.now() < deadline && groupAlive(child.pid)) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(child.pid)) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

function toRemoteUri(authority, absPath) {
  return `vscode-remote://${authority}${absPath.split(path.sep).map(encodeURIComponent).join('/')}`;
}

function payloadUrl(port, opts) {
  const authority = `${HOST}:${port}`;
  const payload = [
    ...opts.extensionDevelopmentPath.map((p) => ['extensionDevelopmentPath', toRemoteUri(authority, p)]),
    ['extensionTestsPath', toRemoteUri(authority, opts.extensionTestsPath)],
    ['skipWelcome', 'true'],
    ['skipReleaseNotes', 'true'],
  ];
  if (opts.inspectExtensions) payload.push([opts.inspectBrk ? 'inspect-brk-extensions' : 'inspect-extensions', opts.inspectExtensions]);
  if (opts.enableProposedApi) payload.push(['enableProposedApi', '']);
  const query = new URLSearchParams();
  if (!opts.folder) query.set('ew', 'true');
  else if (opts.folder.endsWith('.code-workspace')) query.set('workspace', opts.folder);
  else query.set('folder', opts.folder);
  query.set('payload', JSON.stringify(payload));
  return `http://${authority}/?${query}`;
}

// The workbench forwards console calls as [format, ...args] (Mocha's reporter uses %s/%d).
function formatLogArgs(args) {
  const list = Array.isArray(args) ? args : [args];
  return util.format(...list);
}

// Workbench chatter and the errors an offline machine always produces; shown with MLOPS_TEST_VERBOSE=1.
const QUIET = [
  /^Resolv(ing|ed) connection token/, /^Creating a socket/, /^\[reconnection-grace-time\]/,
  /^Updating additional builtin extensions cache/, /^\[Service Worker\]/, /^\[AgentHost/, /^\[AccountPolicyGate\]/,
  /ENOTFOUND open-vsx\.org/, /Timed out waiting for authentication provider 'github'/,
];
const isQuiet = (line) => process.env.MLOPS_TEST_VERBOSE !== '1' && QUIET.some((re) => re.test(line));

async function runInBrowser(state, url, timeoutMs, screenshotPath) {
  state.tBrowserStart = Date.now();
  const { chromium } = require('playwright-core');
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  state.context = await chromium.launchPersistentContext(path.join(state.run.tmp, 'chromium'), {
    executablePath, headless: true, viewport: { width: 1400, height: 900 }, args: RIG.chromiumArgs,
    // Playwright's own handlers would process.exit() before code-server is stopped.
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
  });
  const page = state.context.pages()[0] || await state.context.newPage();
  const tBrowser = Date.now();
  let resolveExit;
  const exited = new Promise((resolve) => { resolveExit = resolve; });
  // Exposed before goto: the workbench looks these up when the extension host logs or exits.
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = formatLogArgs(args);
    if (isQuiet(text)) return;
    const line = text + '\n';
    if (type === 'error' || type === 'warn') process.stderr.write(line); else process.stdout.write(line);
  });
  await page.exposeFunction('codeAutomationExit', (code, logs) => {
    if (Array.isArray(logs) && logs.length) {
      const dir = path.join(state.run.tmp, 'workbench-logs');
      for (const entry of logs) {
        if (!entry || typeof entry.relativePath !== 'string') continue;
        const file = path.join(dir, path.normalize(entry.relativePath).replace(/^(\.\.[/\\])+/, ''));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, String(entry.contents));
      }
    }
    resolveExit(code);
  });
  if (process.env.MLOPS_TEST_VERBOSE === '1') {
    page.on('console', (m) => { if (m.type() === 'error') log(`page console: ${m.text()}`); });
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
  }
  const crashed = new Promise((resolve) => page.once('crash', () => resolve('crash')));
  let timer;
  const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  const outcome = await Promise.race([exited.then((code) => ({ code })), timedOut, crashed]);
  clearTimeout(timer);
  log(`browser started in ${tBrowser - state.tBrowserStart} ms; page ${typeof outcome === 'object' ? 'reported its result' : outcome === 'timeout' ? 'timed out' : 'crashed'} after ${Date.now() - tBrowser} ms`);
  if (screenshotPath) {
    try {
      fs.mkdirSync(path.dirname(path.resolve(screenshotPath)), { recursive: true });
      await page.screenshot({ path: screenshotPath, timeout: 10_000 });
      log(`screenshot: ${path.resolve(screenshotPath)}`);
    } catch (err) {
      log(`screenshot failed: ${err.message}`);
    }
  }
  if (outcome === 'timeout') {
    throw new AdapterError(`no result from the extension host after ${timeoutMs} ms (is enable-smoke-test-driver on? does the payload authority match?)`, EXIT.TIMEOUT);
  }
  if (outcome === 'crash') throw new AdapterError('the browser page crashed', EXIT.INTERNAL);
  const code = Number(outcome.code);
  return Number.isInteger(code) && code >= 0 && code <= 255 ? code : EXIT.FAIL;
}

function printLogTail(file, lines = 40) {
  try {
    // Stack traces quote whole minified bundles; keep each line readable.
    const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines)
      .map((l) => (l.length > 400 ? `${l.slice(0, 400)} …[${l.length - 400} more chars]` : l));
    process.stderr.write(`---- last ${text.length} lines of ${file} ----\n${text.join('\n')}\n----\n`);
  } catch (err) {
    log(`no code-server log (${err.message})`);
  }
}

// Idempotent: a signal and the main flow may both get here.
function cleanup(state) {
  state.cleaning = state.cleaning || (async () => {
    if (state.context) await state.context.close().catch(() => {});
    await killGroup(state.server);
  })();
  return state.cleaning;
}

async function main() {
  const t0 = Date.now();
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    log(err.message);
    return EXIT.INTERNAL;
  }
  if (opts.help) { process.stdout.write(USAGE + '\n'); return EXIT.PASS; }
  for (const [given, flag] of [[opts.extensionTestsPath, 'extensionTestsPath'], [opts.extensionDevelopmentPath.length, 'extensionDevelopmentPath']]) {
    if (!given) { log(`missing --${flag}\n${USAGE}`); return EXIT.INTERNAL; }
  }
  const untrusted = process.env.MLOPS_TEST_TRUST === 'untrusted';
  const timeoutMs = Number(process.env.MLOPS_TEST_TIMEOUT_MS) || 240_000;

  let cs;
  try {
    cs = resolveCodeServer();
  } catch (err) {
    log(err.message);
    return err instanceof AdapterError ? err.exitCode : EXIT.INTERNAL;
  }
  if (cs.mismatch) {
    const reexec = reexecWithProjectNode(cs);
    if (reexec) return reexec;
  }

  const state = { run: undefined, server: undefined, context: undefined, cleaning: undefined, interrupted: undefined };
  const onSignal = (sig) => {
    log(`${sig}: shutting down`);
    state.interrupted = sig;
    cleanup(state).finally(() => {
      if (state.run) log(`run files kept in ${state.run.tmp}`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Last resort if anything exits early: never leave a server behind.
  process.once('exit', () => {
    if (state.server && state.server.pid && groupAlive(state.server.pid)) {
      try { process.kill(-state.server.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  });

  let code = EXIT.INTERNAL;
  try {
    cs.vscodeOptions = supportedVscodeOptions(cs.entry);
    state.run = prepareRun(opts, untrusted);
    let port;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      state.server = startServer(cs, state.run, port, untrusted);
      if (await waitForHealth(state.server, port)) {
        const status = await httpStatus(port, '/?ew=true');
        if (status >= 500) throw new AdapterError(`code-server answers HTTP ${status} (wrong Node? this is ${process.versions.node})`, EXIT.NO_SERVER);
        break;
      }
      const portTaken = /EADDRINUSE/.test(fs.readFileSync(state.run.logFile, 'utf8'));
      await killGroup(state.server);
      if (!portTaken || attempt === 3) throw new AdapterError(`code-server ${cs.version} did not become healthy on port ${port}`, EXIT.NO_SERVER);
    }
    log(`code-server ${cs.version} on http://${HOST}:${port} after ${Date.now() - t0} ms${untrusted ? ' (workspace trust ON, folder untrusted)' : ''}`);
    code = await runInBrowser(state, payloadUrl(port, opts), timeoutMs, process.env.MLOPS_TEST_SCREENSHOT);
  } catch (err) {
    code = err instanceof AdapterError ? err.exitCode : EXIT.INTERNAL;
    if (!state.interrupted) log(err instanceof AdapterError ? err.message : `internal error: ${err && err.stack || err}`);
  }
  await cleanup(state);
  if (state.interrupted) return new Promise(() => {}); // the signal handler exits
  if (state.run) {
    if (code !== EXIT.PASS) printLogTail(state.run.logFile);
    if (code === EXIT.PASS && process.env.MLOPS_TEST_KEEP_TMP !== '1') fs.rmSync(state.run.tmp, { recursive: true, force: true });
    else log(`run files kept in ${state.run.tmp}`);
  }
  log(`exit ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => { log(`internal error: ${err && err.stack || err}`); process.exit(EXIT.INTERNAL); },
);
