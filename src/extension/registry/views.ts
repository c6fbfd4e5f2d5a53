/**
 * Page data for the registry panel, built from the service. No `vscode` here: what the page gets
 * is a function of the registry alone.
 */
import type { AuditEntry, CheckResult, ModelVersion, PromotionTarget, RegistryService } from '../../engine/registry/api.ts';
import type { FolderRef, ModelPageData, ModelsPageData, Readiness, RegistryPageData, RegistryRoute, VersionPageData, WireAuditEntry, WireCheck, WireVersion, AuditPageData } from '../../shared/registry.ts';
import { encodeNumber, encodeParam } from '../../shared/experiments.ts';
import { describeError } from '../../engine/errors.ts';

export interface FolderService {
  folder: FolderRef;
  service: RegistryService;
}

export function wireVersion(v: ModelVersion): WireVersion {
  return {
    ...v,
    lineage: {
      ...v.lineage,
      metrics: Object.fromEntries(Object.entries(v.lineage.metrics).map(([k, n]) => [k, encodeNumber(n)])),
      params: Object.fromEntries(Object.entries(v.lineage.params).map(([k, p]) => [k, encodeParam(p)])),
    },
  };
}

export function wireCheck(c: CheckResult): WireCheck {
  return { ...c, values: Object.fromEntries(Object.entries(c.values).map(([k, v]) => [k, typeof v === 'number' ? encodeNumber(v) : v])) };
}

export function wireAudit(e: AuditEntry): WireAuditEntry {
  return {
    seq: e.seq, at: e.at, actor: e.actor, origin: e.origin, action: e.action, outcome: e.outcome, model: e.model,
    version: e.version, from: e.from, to: e.to, checks: e.checks.map(wireCheck), detail: e.detail, hash: e.hash,
  };
}

export function modelsPage(folders: FolderService[]): ModelsPageData {
  return { page: 'models', folders: folders.map(({ folder, service }) => ({ folder, models: service.list(), problems: service.problems() })) };
}

/** Metric keys across versions, the ones most versions have first (those make the chart). */
export function metricKeys(versions: readonly ModelVersion[]): string[] {
  const count = new Map<string, number>();
  // DVCLive writes the step counter among the metrics; it measures nothing about the model.
  for (const v of versions) for (const k of Object.keys(v.lineage.metrics)) if (k !== 'step') count.set(k, (count.get(k) ?? 0) + 1);
  return [...count.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
}

export function modelPage({ folder, service }: FolderService, model: string): ModelPageData {
  const detail = service.show(model);
  const { versions, ...summary } = detail;
  return { page: 'model', folder, model: summary, versions: versions.map(wireVersion), metricKeys: metricKeys(versions), card: service.getModelCard(detail.id) };
}

export async function versionPage({ folder, service }: FolderService, model: string, number: number): Promise<VersionPageData> {
  const detail = service.show(model);
  const { versions, ...summary } = detail;
  const version = service.getVersion(detail.id, number);
  const previous = versions.filter((v) => v.version < number).sort((a, b) => b.version - a.version)[0] ?? null;
  const production = versions.filter((v) => v.stage === 'Production' && v.version !== number).sort((a, b) => b.version - a.version)[0] ?? null;
  const availability = version.source === 'mlops' ? await service.availability(detail.id, number).catch(() => 'unknown' as const) : 'unknown' as const;
  const readiness = version.readOnly ? [] : await readinessOf(service, detail.id, version, Object.keys(summary.aliases));
  return {
    page: 'version',
    folder,
    model: summary,
    version: wireVersion(version),
    previous: previous ? wireVersion(previous) : null,
    production: production ? wireVersion(production) : null,
    availability,
    readiness,
    audit: version.readOnly ? [] : service.auditLog({ model: detail.id, version: number, limit: 100 }).map(wireAudit),
    card: service.getModelCard(detail.id),
  };
}

/**
 * What promoting this version would meet, as dry runs: the next stages and every alias the model
 * uses (or that has gates). A dry run changes nothing and writes no audit entry.
 */
async function readinessOf(service: RegistryService, model: string, v: ModelVersion, aliases: string[]): Promise<Readiness[]> {
  const targets: Array<[string, PromotionTarget]> = [];
  for (const stage of ['Staging', 'Production'] as const) targets.push([stage, { kind: 'stage', stage }]);
  const gated = Object.keys(service.settings.gates).filter((k) => k.startsWith('alias:') && k !== 'alias:*').map((k) => k.slice(6));
  for (const alias of [...new Set([...aliases, ...gated])].sort()) targets.push([`@${alias}`, { kind: 'alias', alias }]);
  const out: Readiness[] = [];
  for (const [label, target] of targets) {
    const action = target.kind === 'alias' ? (`alias:${target.alias}` as const) : (`promote:${target.stage.toLowerCase()}` as 'promote:staging' | 'promote:production');
    const base = { label, target, gates: service.gatesFor(model, target), policy: service.can(action, model) };
    const already = target.kind === 'stage' ? v.stage === target.stage : v.aliases.includes(target.alias);
    if (already) {
      out.push({ ...base, ok: null, message: target.kind === 'stage' ? `v${v.version} is in ${target.stage}.` : `@${target.alias} is on v${v.version}.`, checks: [] });
      continue;
    }
    try {
      const r = await service.promote({ model, version: v.version, target, dryRun: true });
      out.push({ ...base, ok: r.ok, message: r.ok ? 'all checks pass' : r.message, checks: r.checks.map(wireCheck) });
    } catch (e) {
      out.push({ ...base, ok: false, message: describeError(e), checks: [] });
    }
  }
  return out;
}

export function auditPage({ folder, service }: FolderService, model: string | undefined): AuditPageData {
  return { page: 'audit', folder, model: model ?? null, entries: service.auditLog({ ...(model ? { model } : {}), limit: 500 }).map(wireAudit) };
}

export async function pageFor(route: RegistryRoute, lookup: (folder: string) => FolderService, all: () => FolderService[]): Promise<RegistryPageData> {
  try {
    switch (route.page) {
      case 'models': return modelsPage(all());
      case 'model': return modelPage(lookup(route.folder), route.model);
      case 'version': return await versionPage(lookup(route.folder), route.model, route.version);
      case 'audit': return auditPage(lookup(route.folder), route.model);
    }
  } catch (e) {
    return { page: 'error', message: describeError(e) };
  }
}
