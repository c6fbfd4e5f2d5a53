import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/io.ts';
import { REPO_ROOT, tempDir } from '../helpers/tmp.ts';
import { monitoringSection } from '../../fixtures/monitoring.ts';

export const CHURN = path.join(REPO_ROOT, 'examples', 'churn');
export const REFERENCE = path.join(CHURN, 'data', 'raw', 'customers.csv');
export const batch = (n: number): string => path.join(CHURN, 'data', 'production', `batch-${String(n).padStart(2, '0')}.csv`);

/** The eight feature columns of the example and which of them drift per batch (examples/README.md). */
export const FEATURES = ['age', 'tenure_months', 'monthly_charges', 'total_charges', 'contract', 'payment_method', 'support_calls', 'has_partner'];
export const DRIFTED_IN_06 = ['age', 'tenure_months', 'monthly_charges', 'total_charges', 'contract', 'payment_method', 'support_calls'];

export const MONITORING_YAML = `version: 1\n${monitoringSection()}`;

/** A copy of the example's data with an mlops.yaml, in a temp dir. */
export function churnWorkspace(yaml = MONITORING_YAML): string {
  const root = tempDir('mlops-monitor-');
  cpSync(path.join(CHURN, 'data'), path.join(root, 'data'), { recursive: true });
  mkdirSync(path.join(root, '.mlops'), { recursive: true });
  writeFileSync(path.join(root, 'mlops.yaml'), yaml);
  return root;
}

export async function runCli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t), err: (t) => (err += t), cwd, env: {}, isTTY: false };
  const code = await main(argv, io);
  return { code, out, err };
}

/** Write a CSV from a header and rows (values already text). */
export function csv(dir: string, name: string, header: string[], rows: Array<Array<string | number>>): string {
  const file = path.join(dir, name);
  writeFileSync(file, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return file;
}
