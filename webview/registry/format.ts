/** How registry values read in the panel. */
import { decodeNumber, formatNumber, isNonFinite, type WireNumber, type WireParam } from '../../src/shared/experiments.ts';

// The editor's own wording for sizes, ages and hashes (plain functions, no `vscode`).
export { formatAge as fmtAge, formatBytes as fmtBytes, shortHash } from '../../src/extension/versioning/format.ts';

export function num(v: WireNumber | undefined): number | undefined {
  return v === undefined ? undefined : decodeNumber(v);
}

export function fmtNum(v: WireNumber | undefined): string {
  const n = num(v);
  return n === undefined ? '—' : formatNumber(n);
}

export function fmtParam(v: WireParam | undefined): string {
  if (v === undefined) return '—';
  if (v === null) return 'null';
  if (typeof v === 'number' || isNonFinite(v)) return formatNumber(decodeNumber(v));
  return String(v);
}

/** Signed difference `b - a`, empty when either side is missing or they are equal. */
export function fmtDelta(a: WireNumber | undefined, b: WireNumber | undefined): { text: string; sign: -1 | 0 | 1 } {
  const x = num(a);
  const y = num(b);
  if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y) || x === y) return { text: '', sign: 0 };
  const d = y - x;
  return { text: `${d > 0 ? '+' : ''}${formatNumber(d, 4)}`, sign: d > 0 ? 1 : -1 };
}

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}


/** `{ stage: 'Staging' }` → `Staging`; `{ alias: 'champion', version: 2 }` → `@champion v2`. */
export function fmtState(s: Record<string, unknown> | null): string {
  if (!s) return '—';
  if (typeof s.alias === 'string') return `@${s.alias} ${s.version === null || s.version === undefined ? '(none)' : `v${String(s.version)}`}`;
  if (typeof s.stage === 'string') return s.stage;
  return Object.entries(s).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
}
