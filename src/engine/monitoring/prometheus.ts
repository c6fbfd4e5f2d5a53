/**
 * Drift as Prometheus metrics: gauges from the latest report of each monitored dataset, in a
 * registry of our own (the prom-client global one would mix in whatever else the process loads),
 * served over plain node:http on loopback only unless the caller explicitly allows otherwise —
 * column names and categories of production data are not for the whole network by default.
 */
import http from 'node:http';
import { Gauge, Registry } from 'prom-client';
import { MlopsError } from '../errors.ts';
import type { DriftReportDocument } from './types.ts';

export interface LatestDriftReport {
  dataset: string;
  report: DriftReportDocument;
  /** Also export per-column series (default true). */
  columns?: boolean;
}

const DATASET = ['dataset'] as const;

/** The drift gauges of one registry; `update` replaces every value, so removed columns disappear. */
export class DriftMetrics {
  readonly registry = new Registry();
  private readonly datasetDrift = this.gauge('mlops_drift_dataset_drift', '1 when the share of drifted columns reached the threshold in the latest report, else 0', DATASET);
  private readonly share = this.gauge('mlops_drift_share', 'Share of tested columns that drifted in the latest report (0..1)', DATASET);
  private readonly drifted = this.gauge('mlops_drift_drifted_columns', 'Columns that drifted in the latest report', DATASET);
  private readonly total = this.gauge('mlops_drift_columns_total', 'Columns tested in the latest report', DATASET);
  private readonly score = this.gauge('mlops_drift_column_score', 'Drift score of a column: a p-value (drift when low) or a distance (drift when high), see the test label', ['dataset', 'column', 'test']);
  private readonly columnDrifted = this.gauge('mlops_drift_column_drifted', '1 when the column drifted in the latest report, else 0', ['dataset', 'column']);
  private readonly timestamp = this.gauge('mlops_drift_last_report_timestamp_seconds', 'When the latest report was made (Unix time, seconds)', DATASET);

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    return new Gauge<L>({ name, help, labelNames, registers: [this.registry] });
  }

  update(latest: readonly LatestDriftReport[]): void {
    for (const g of [this.datasetDrift, this.share, this.drifted, this.total, this.score, this.columnDrifted, this.timestamp] as Gauge<string>[]) g.reset();
    for (const { dataset, report, columns } of latest) {
      const s = report.summary;
      const labels = { dataset };
      this.datasetDrift.set(labels, s.datasetDrift ? 1 : 0);
      this.share.set(labels, s.share);
      this.drifted.set(labels, s.driftedColumns);
      this.total.set(labels, s.scoredColumns);
      const t = Date.parse(report.createdAt);
      if (Number.isFinite(t)) this.timestamp.set(labels, t / 1000);
      if (columns === false) continue;
      for (const c of report.columns) {
        if (c.status !== 'ok' || c.test === null) continue;
        if (c.score !== null) this.score.set({ dataset, column: c.name, test: c.test }, c.score);
        this.columnDrifted.set({ dataset, column: c.name }, c.drifted ? 1 : 0);
      }
    }
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

export interface ServeMetricsOptions {
  /** 0 picks a free port (see `port` of the result). Default 9464, the Prometheus exporter convention. */
  port?: number;
  /** Default 127.0.0.1. Anything that is not loopback needs `allowNonLoopback`. */
  host?: string;
  allowNonLoopback?: boolean;
  registry: Registry;
  /** Runs before every scrape, e.g. to load the latest reports from the store. */
  beforeScrape?: () => void | Promise<void>;
}

export interface MetricsServer {
  host: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export async function serveMetrics(options: ServeMetricsOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.allowNonLoopback) {
    throw new MlopsError('refused', `refusing to serve drift metrics on ${host}: only loopback addresses are allowed by default`, {
      hint: 'the metrics name your columns; put a reverse proxy with access control in front, or allow it explicitly (allowNonLoopback)',
    });
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok\n');
      return;
    }
    if (url.pathname !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics or /healthz\n');
      return;
    }
    void (async () => {
      try {
        await options.beforeScrape?.();
        const body = await options.registry.metrics();
        res.writeHead(200, { 'content-type': options.registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new MlopsError('io', `port ${options.port ?? 9464} on ${host} is already in use`, { hint: 'pick another with --port, or stop the other process', cause: e })
          : new MlopsError('io', `cannot serve metrics on ${host}:${options.port ?? 9464}: ${e.message}`, { cause: e }),
      );
    });
    server.listen(options.port ?? 9464, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 9464);
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    host,
    port,
    url: `http://${shown}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
