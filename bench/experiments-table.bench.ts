// The Experiments table in real Debian Chromium: 10,000 runs × 50 columns must paint in ≤ 500 ms
// and sort in ≤ 100 ms. The page is the production webview bundle (built here into bench/results/,
// so a concurrent build of dist/ is not disturbed) inside the same strict-CSP shell the extension
// serves, with a stub host (an acquireVsCodeApi shim) and a synthetic, deterministic data set.
//
//   node bench/experiments-table.bench.ts            (CHROMIUM_PATH overrides /usr/bin/chromium)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { panelHtml } from '../src/extension/webview/html.ts';
import { encodeNumber, encodeParam, type ExperimentsInit, type RunRowWire } from '../src/shared/experiments.ts';
import { fmt } from './harness.ts';

const RUNS = 10_000;
const PARAMS = 20;
const METRICS = 23; // + 7 attribute columns = 50
const PAINT_BOUND_MS = 500;
const SORT_BOUND_MS = 100;
const REPEAT = 5;
const ORIGIN = 'https://bench.mlops.invalid';

/** Park–Miller: the same "random" runs on every machine. */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

function dataset(): RunRowWire[] {
  const rand = rng(42);
  const t0 = Date.UTC(2026, 0, 1);
  const optimizers = ['adam', 'sgd', 'rmsprop', 'adagrad'];
  const rows: RunRowWire[] = [];
  for (let i = 0; i < RUNS; i++) {
    const params: RunRowWire['params'] = {};
    for (let p = 0; p < PARAMS; p++) {
      const key = `train.p${String(p).padStart(2, '0')}`;
      params[key] = encodeParam(p % 5 === 4 ? optimizers[Math.floor(rand() * 4)]! : p % 5 === 3 ? Math.floor(rand() * 512) : Number((rand() / 10).toPrecision(4)));
    }
    const metrics: RunRowWire['metrics'] = {};
    for (let m = 0; m < METRICS; m++) {
      // A few diverged runs: NaN and ±inf must survive the trip and sort after the numbers.
      const v = i % 997 === m ? Number.NaN : i % 1999 === m ? Number.POSITIVE_INFINITY : rand() * (m % 3 === 0 ? 1 : 100);
      metrics[`m${String(m).padStart(2, '0')}`] = encodeNumber(v);
    }
    const started = new Date(t0 + i * 60_000).toISOString();
    rows.push({
      id: `mlops:${i.toString(16).padStart(8, '0')}`, source: 'mlops', sourceLabel: 'pipeline', experiment: `exp-${i % 12}`,
      name: i === 7 ? '<img src=x onerror=alert(1)>' : `run-${i}`, status: i % 50 === 0 ? 'failed' : 'finished',
      startedAt: started, endedAt: new Date(t0 + i * 60_000 + 30_000 + Math.floor(rand() * 60_000)).toISOString(),
      gitCommit: (i * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(5), gitDirty: false, readOnly: false,
      params, metrics, tags: {}, warnings: [],
    });
  }
  return rows.reverse(); // newest first, as the host sends them
}

async function buildBundle(outdir: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: { experiments: path.resolve(import.meta.dirname, '../webview/experiments/main.ts') },
    outdir, bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true,
    define: { 'process.env.NODE_ENV': '"production"' }, logLevel: 'warning',
  });
}

/** What VS Code's webview host provides: acquireVsCodeApi with state and a message sink. */
const SHIM = `
  window.__posted = [];
  let state;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(m),
    getState: () => state,
    setState: (s) => { state = s; },
  });
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const outdir = path.join(import.meta.dirname, 'results', 'experiments-table');
mkdirSync(outdir, { recursive: true });
await buildBundle(outdir);
const init: ExperimentsInit = { version: 1, runs: dataset(), problems: [], ui: null, primaryMetric: 'm00' };
const html = panelHtml({
  title: 'Experiments', cspSource: ORIGIN, scriptUri: `${ORIGIN}/experiments.js`,
  styleUris: [`${ORIGIN}/media/webview.css`, `${ORIGIN}/experiments.css`], initialState: init,
});
const files: Record<string, { body: Buffer | string; type: string }> = {
  '/index.html': { body: html, type: 'text/html' },
  '/experiments.js': { body: readFileSync(path.join(outdir, 'experiments.js')), type: 'text/javascript' },
  '/experiments.css': { body: readFileSync(path.join(outdir, 'experiments.css')), type: 'text/css' },
  '/media/webview.css': { body: readFileSync(path.resolve(import.meta.dirname, '../media/webview.css')), type: 'text/css' },
};
console.log(`data set: ${RUNS.toLocaleString('en-US')} runs × ${PARAMS + METRICS + 7} columns, ${(Buffer.byteLength(html) / 1e6).toFixed(1)} MB of page`);

const context = await chromium.launchPersistentContext('', {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const errors: string[] = [];
try {
  await context.addInitScript(SHIM);
  await context.route(`${ORIGIN}/**`, (route) => {
    const f = files[new URL(route.request().url()).pathname];
    return f ? route.fulfill({ status: 200, contentType: f.type, body: f.body }) : route.fulfill({ status: 404, body: '' });
  });
  const page = context.pages()[0] ?? await context.newPage();
  // The toolkit (FAST) probes for :focus-visible with an empty <style>; the strict CSP refuses it
  // (the hash of the empty string), FAST catches that and carries on. Anything else is an error.
  const probe = /sha256-47DEQpj8HBSa\+\/TImW\+5JCeuQeRkm5NMpJWZG3hSuFU=/;
  page.on('console', (m) => { if (m.type() === 'error' && !probe.test(m.text())) errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => { errors.push(`dialog opened: ${d.message()}`); void d.dismiss(); });

  const load = async () => {
    await page.goto(`${ORIGIN}/index.html`, { waitUntil: 'commit' });
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    return page.evaluate(() => ({
      table: performance.getEntriesByName('experiments:first-paint')[0]!.duration,
      total: performance.getEntriesByName('experiments:first-paint')[0]!.startTime + performance.getEntriesByName('experiments:first-paint')[0]!.duration,
      rows: document.querySelectorAll('.xbody .xrow:not([hidden])').length,
      firstName: document.querySelector('.xbody .xrow[aria-rowindex="2"] .xname')?.textContent ?? '',
    }));
  };
  await load(); // warm the bundle cache, as a reopened panel would be
  const paints = [];
  for (let i = 0; i < REPEAT; i++) paints.push(await load());
  const first = paints[0]!;
  if (first.rows < 20) throw new Error(`only ${first.rows} rows painted`);
  if (first.firstName !== `run-${RUNS - 1}`) throw new Error(`newest run should be first, got ${first.firstName}`);

  const sortOnce = (page: Page, col: string) => page.evaluate(async (col) => {
    const cell = document.querySelector<HTMLElement>(`.xhcell[data-col="${col}"]`)!;
    const t0 = performance.now();
    cell.click();
    const work = performance.now() - t0;
    // The next frame has painted when a task queued from its rAF callback runs.
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const frame = performance.now() - t0;
    const cells = [...document.querySelectorAll('.xbody .xrow:not([hidden])')]
      .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))
      .slice(0, 3).map((r) => r.querySelector(`[aria-colindex="${[...document.querySelectorAll('.xhcell')].findIndex((h) => h.getAttribute('data-col') === col) + 2}"]`)?.textContent ?? '');
    return { work, frame, cells, sort: document.querySelector(`.xhcell[data-col="${col}"]`)!.getAttribute('aria-sort') };
  }, col);
  const sorts: Array<{ work: number; frame: number }> = [];
  for (const col of ['metrics.m00', 'metrics.m05', 'params.train.p04', 'attr.name', 'metrics.m10']) {
    const asc = await sortOnce(page, col);
    const desc = await sortOnce(page, col);
    sorts.push(asc, desc);
    if (asc.sort !== 'ascending' || desc.sort !== 'descending') throw new Error(`${col}: aria-sort ${asc.sort}/${desc.sort}`);
    if (col.startsWith('metrics.')) {
      const num = (t: string) => (t === 'inf' ? Infinity : t === '-inf' ? -Infinity : Number(t));
      const [a, b] = desc.cells.map(num);
      if (!(a! >= b!)) throw new Error(`${col} descending starts ${desc.cells.join(', ')}`);
    }
  }
  const escaped = await page.evaluate(() => { window.scrollTo(0, 0); return document.querySelectorAll('img').length; });
  if (escaped) throw new Error('a run name was parsed as HTML');
  if (errors.length) throw new Error(`page errors:\n${errors.join('\n')}`);

  const paintTable = median(paints.map((p) => p.table));
  const paintTotal = median(paints.map((p) => p.total));
  const sortFrame = median(sorts.map((s) => s.frame));
  const sortWork = median(sorts.map((s) => s.work));
  const verdict = (ms: number, bound: number) => (ms <= bound ? `✓ ≤ ${bound} ms` : `✗ bound ${bound} ms MISSED`);
  console.log(`experiments table: paint (data in page → rows on screen) ${fmt(paintTable)}  ${verdict(paintTable, PAINT_BOUND_MS)}`);
  console.log(`    navigation → rows on screen, including serving the page through Playwright's request interception: ${fmt(paintTotal)}`);
  console.log(`experiments table: sort (header click → next frame painted) ${fmt(sortFrame)}  ${verdict(sortFrame, SORT_BOUND_MS)}`);
  console.log(`    sort work before the frame: ${fmt(sortWork)}; ${sorts.length} sorts over 5 columns, paint median of ${REPEAT} loads`);
  // A shared machine makes single samples noisy: the best case says what the code costs, the median what it felt like.
  console.log(`    best: paint ${fmt(Math.min(...paints.map((p) => p.table)))}, sort ${fmt(Math.min(...sorts.map((s) => s.frame)))}; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
  writeFileSync(path.join(import.meta.dirname, 'results', 'experiments-table.json'), JSON.stringify({
    at: new Date().toISOString(), runs: RUNS, columns: PARAMS + METRICS + 7,
    paint: { median: paintTable, runs: paints.map((p) => p.table), bound: PAINT_BOUND_MS },
    paintFromNavigation: { median: paintTotal, runs: paints.map((p) => p.total) },
    sort: { median: sortFrame, runs: sorts.map((s) => s.frame), work: sorts.map((s) => s.work), bound: SORT_BOUND_MS },
  }, null, 2));
} finally {
  await context.close();
}
