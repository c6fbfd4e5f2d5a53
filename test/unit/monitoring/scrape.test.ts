// A real Prometheus (Debian's `prometheus` package) scrapes `mlops monitor --serve`: proves the
// exposition is accepted by the reference parser, not just by our own strict one.
// `.ci/run` installs the package (scripts/test.sh); set MLOPS_SKIP_PROMETHEUS=1 to skip locally.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { churnWorkspace } from './helpers.ts';
import { NODE, REPO_ROOT, tempDir } from '../helpers/tmp.ts';

const hasPrometheus = spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = process.env.MLOPS_SKIP_PROMETHEUS === '1' ? 'MLOPS_SKIP_PROMETHEUS=1' : false;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function collect(child: ChildProcess): { text: () => string } {
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d));
  child.stderr?.on('data', (d: Buffer) => (text += d));
  return { text: () => text };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, log: () => string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface PromVector { metric: Record<string, string>; value: [number, string] }

test('Prometheus scrapes mlops monitor --serve and stores the drift series', { skip, timeout: 90_000 }, async () => {
  assert.ok(hasPrometheus, "the 'prometheus' binary is not on PATH — install Debian's package (apt-get install prometheus) or set MLOPS_SKIP_PROMETHEUS=1");
  const root = churnWorkspace();
  const mlops = spawn(NODE, [path.join(REPO_ROOT, 'src/cli/index.ts'), 'monitor', '--serve', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const mlopsLog = collect(mlops);
  let prom: ChildProcess | undefined;
  try {
    const target = await until('mlops to serve', async () => /serving drift metrics on http:\/\/([\d.]+:\d+)\/metrics/.exec(mlopsLog.text())?.[1], mlopsLog.text);
    const dir = tempDir('mlops-prom-');
    writeFileSync(path.join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: mlops\n    static_configs:\n      - targets: ['${target}']\n`);
    const port = await freePort();
    prom = spawn('prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const promLog = collect(prom);
    const query = async (q: string): Promise<PromVector[] | undefined> => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { status: string; data: { result: PromVector[] } };
      return body.status === 'success' && body.data.result.length > 0 ? body.data.result : undefined;
    };
    const both = (): string => `--- mlops\n${mlopsLog.text()}\n--- prometheus\n${promLog.text()}`;
    // The target is healthy only when Prometheus parsed a scrape without error.
    const up = await until('a successful scrape (up == 1)', async () => (await query('up{job="mlops"} == 1')), both);
    assert.equal(up[0]!.metric.instance, target);
    const drift = await until('mlops_drift_dataset_drift', () => query('mlops_drift_dataset_drift'), both);
    assert.equal(drift[0]!.metric.dataset, 'customers');
    assert.equal(drift[0]!.value[1], '1', 'batch-06, the latest batch, drifted');
    const scores = await until('per-column scores', () => query('mlops_drift_column_score{dataset="customers"}'), both);
    const columns = new Set(scores.map((s) => s.metric.column));
    for (const c of ['age', 'tenure_months', 'contract']) assert.ok(columns.has(c), `column ${c} in ${[...columns].join(', ')}`);
    const errors = await query('scrape_samples_post_metric_relabeling{job="mlops"}');
    assert.ok(Number(errors![0]!.value[1]) >= scores.length, 'every sample kept');
  } finally {
    prom?.kill('SIGTERM');
    mlops.kill('SIGTERM');
    if (prom && prom.exitCode === null) await once(prom, 'exit');
    if (mlops.exitCode === null) await once(mlops, 'exit');
  }
});
