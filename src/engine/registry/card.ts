/**
 * The generated model card: what the registry knows about a model, as Markdown, until someone
 * writes their own (which then replaces it). Data-controlled text is escaped for Markdown tables.
 */
import type { ModelDetail, ModelVersion } from './api.ts';

const cell = (s: unknown): string => String(s ?? '').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
const fmt = (n: number): string => (Number.isFinite(n) ? String(Math.round(n * 1e6) / 1e6) : String(n));

function versionSection(v: ModelVersion): string[] {
  const L = v.lineage;
  const lines = [`## Version ${v.version}${v.aliases.length ? ` (${v.aliases.map((a) => `@${a}`).join(', ')})` : ''}`, ''];
  lines.push(`- Stage: ${v.stage}`);
  lines.push(`- Artifact: \`${cell(v.artifactPath)}\` — ${v.kind}, ${v.size} bytes${v.nfiles !== null ? `, ${v.nfiles} files` : ''}, md5 \`${v.hash}\``);
  lines.push(`- Registered: ${v.createdAt} by ${cell(v.createdBy)}`);
  if (L.runId) lines.push(`- Source run: \`${cell(L.runId)}\`${L.run ? ` — ${cell(L.run.name)} (${cell(L.run.experiment)})` : ''}`);
  if (L.gitCommit) lines.push(`- Git commit: \`${L.gitCommit}\`${L.gitDirty ? ' (with uncommitted changes)' : ''}`);
  if (v.description) lines.push('', cell(v.description));
  if (L.data.length) {
    lines.push('', '| Data | md5 |', '|---|---|');
    for (const d of L.data) lines.push(`| \`${cell(d.path)}\` | \`${cell(d.hash ?? '—')}\` |`);
  }
  const metrics = Object.entries(L.metrics);
  if (metrics.length) {
    lines.push('', '| Metric | Value |', '|---|---|');
    for (const [k, val] of metrics.sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`| ${cell(k)} | ${fmt(val)} |`);
  }
  const params = Object.entries(L.params);
  if (params.length) {
    lines.push('', '| Param | Value |', '|---|---|');
    for (const [k, val] of params.sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`| ${cell(k)} | ${cell(JSON.stringify(val))} |`);
  }
  if (v.mlmodel) {
    lines.push('', `MLflow flavors: ${v.mlmodel.flavors.map((f) => `\`${cell(f.name)}\``).join(', ') || 'none'}`);
    const sig = v.mlmodel.signature;
    if (sig?.inputs) lines.push(`Inputs: ${sig.inputs.map((f) => `${cell(f.name ?? '?')}: ${cell(f.type)}`).join(', ')}`);
    if (sig?.outputs) lines.push(`Outputs: ${sig.outputs.map((f) => `${cell(f.name ?? '?')}: ${cell(f.type)}`).join(', ')}`);
  }
  return lines;
}

export function generateCard(m: ModelDetail): string {
  const lines = [`# ${cell(m.name)}`, ''];
  if (m.description) lines.push(cell(m.description), '');
  lines.push('*Generated from the registry; write your own card to replace it.*', '');
  if (m.versions.length === 0) lines.push('No versions yet.');
  else {
    lines.push('| Version | Stage | Aliases | Registered | By |', '|---|---|---|---|---|');
    for (const v of m.versions) lines.push(`| ${v.version} | ${v.stage} | ${cell(v.aliases.join(', '))} | ${v.createdAt.slice(0, 10)} | ${cell(v.createdBy)} |`);
    const shown = m.versions.find((v) => v.stage === 'Production') ?? m.versions[0]!;
    lines.push('', ...versionSection(shown));
  }
  return `${lines.join('\n')}\n`;
}
