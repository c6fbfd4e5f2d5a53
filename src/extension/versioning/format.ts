import type { ArtifactStatus } from '../../engine/versioning/api.ts';

export function formatBytes(n: number | undefined | null): string {
  if (n === undefined || n === null) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** "3 min ago", "yesterday", or a date: the way GitLens-style UIs read. */
export function formatAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 45) return 'just now';
  if (s < 90) return '1 min ago';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d === 1) return 'yesterday';
  if (d < 30) return `${d} days ago`;
  return new Date(iso).toISOString().slice(0, 10);
}

export function shortHash(hash: string): string {
  return hash.endsWith('.dir') ? `${hash.slice(0, 8)}….dir` : hash.slice(0, 8);
}

export const STATUS_LABEL: Record<ArtifactStatus, string> = {
  'up-to-date': 'up to date',
  modified: 'modified',
  'missing-workspace': 'missing from workspace',
  'missing-cache': 'missing from cache',
  'untracked-changes': 'not yet recorded',
};
