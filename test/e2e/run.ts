// Browser journeys: package the .vsix, install it into a fresh code-server, and drive Chromium
// through each journey in test/e2e/journeys. Screenshots: test-results/e2e/<journey>/.
//   node test/e2e/run.ts [journey-name…]     (MLOPS_E2E_SKIP_PACKAGE=1 reuses mlops-workbench.vsix)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installVsix, startCodeServer, openWorkbench } from './lib/workbench.ts';
import type { Journey } from './journey.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const vsix = path.join(repo, 'mlops-workbench.vsix');
const wanted = process.argv.slice(2);

if (process.env.MLOPS_E2E_SKIP_PACKAGE !== '1') {
  execFileSync(process.execPath, [path.join(repo, 'esbuild.mjs'), '--production'], { cwd: repo, stdio: 'inherit' });
  execFileSync(process.execPath, [path.join(repo, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-rewrite-relative-links', '-o', vsix], { cwd: repo, stdio: 'inherit' });
  execFileSync(process.execPath, [path.join(repo, 'esbuild.mjs')], { cwd: repo, stdio: 'inherit' }); // back to the dev build
}

const journeys: Journey[] = [];
for (const f of readdirSync(path.join(import.meta.dirname, 'journeys')).filter((f) => f.endsWith('.journey.ts')).sort()) {
  const mod = (await import(path.join(import.meta.dirname, 'journeys', f))) as { journey: Journey };
  if (wanted.length === 0 || wanted.includes(mod.journey.name)) journeys.push(mod.journey);
}

const results: Array<{ name: string; ok: boolean; ms: number; error?: string; shots: string }> = [];
for (const j of journeys) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `mlops-e2e-${j.name}-`));
  const workspaceDir = path.join(tmp, path.basename(j.workspace));
  cpSync(path.join(repo, j.workspace), workspaceDir, { recursive: true });
  const shots = path.join(repo, 'test-results', 'e2e', j.name);
  rmSync(shots, { recursive: true, force: true });
  const started = Date.now();
  const extensionsDir = path.join(tmp, 'extensions');
  let server;
  let wb;
  try {
    await j.prepare?.(workspaceDir);
    await installVsix(vsix, extensionsDir);
    server = await startCodeServer({ folder: workspaceDir, extensionsDir, userDataDir: path.join(tmp, 'user'), ...(j.trust ? { trust: j.trust } : {}) });
    wb = await openWorkbench(server.url, { screenshotDir: shots });
    await j.run(wb, { workspaceDir, repo });
    // Ours: messages naming the extension, and anything our panels' CSP refused (the policy
    // quoted in the message is ours when it allows the extension's resources by nonce).
    const ours = (e: string): boolean => /mlops/i.test(e) || (/Content Security Policy/.test(e) && /'nonce-/.test(e) && /vscode-resource|vscode-cdn/.test(e));
    const errors = wb.consoleErrors().filter((e) => ours(e) && !(j.expectedErrors ?? []).some((re) => re.test(e)));
    if (errors.length) throw new Error(`console errors from the extension:\n${errors.join('\n')}`);
    results.push({ name: j.name, ok: true, ms: Date.now() - started, shots });
  } catch (e) {
    results.push({ name: j.name, ok: false, ms: Date.now() - started, error: (e as Error).stack ?? String(e), shots });
    if (server) console.error(server.logTail(40));
  } finally {
    await wb?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (!process.env.MLOPS_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
  }
}

for (const r of results) {
  console.log(`${r.ok ? '✔' : '✖'} journey ${r.name} (${(r.ms / 1000).toFixed(1)} s) — screenshots in ${path.relative(repo, r.shots)}`);
  if (r.error) console.log(r.error);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : (results.length ? 0 : 1));
