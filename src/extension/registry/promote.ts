import * as vscode from 'vscode';
import path from 'node:path';
import type { RegistryModel } from './model.ts';
import type { VersionTarget } from './target.ts';
import type { CheckResult, ModelSummary, PromotionResult, PromotionTarget, Stage } from '../../engine/registry/api.ts';
import { STAGES } from '../../engine/registry/api.ts';
import { validateAlias } from '../../engine/registry/names.ts';
import { describeError, isMlopsError } from '../../engine/errors.ts';

/**
 * What a promotion came to, for the notification and for callers (tests, the panel):
 * `applied`, `blocked` by a gate (with the checks), `refused` by policy (who, what, which rule),
 * or `conflict` — somebody else changed the version or the alias first (the race guard).
 */
export interface PromotionOutcome {
  outcome: 'applied' | 'blocked' | 'refused' | 'conflict' | 'cancelled';
  message: string;
  result?: PromotionResult;
}

/** Hooks the notifications' buttons call back into. */
export interface PromotionUi {
  openVersion(t: VersionTarget): void;
  openLocation(file: string, line?: number): void;
}

const targetLabel = (t: PromotionTarget): string => (t.kind === 'stage' ? t.stage : `@${t.alias}`);
const actionOf = (t: PromotionTarget) => (t.kind === 'alias' ? `alias:${t.alias}` as const : t.stage === 'Archived' ? 'archive' as const : `promote:${t.stage.toLowerCase()}` as `promote:${'none' | 'staging' | 'production'}`);

/** Ask where to, then promote. `stage` skips the question (panel buttons, tests). */
export interface PromoteOptions {
  stage?: Stage;
  archiveExisting?: boolean;
  comment?: string;
  /** The stage the caller saw (a panel, another extension); default: the stage read now. */
  seenStage?: Stage;
}

export async function promoteFlow(model: RegistryModel, t: VersionTarget, ui: PromotionUi, opts: PromoteOptions = {}): Promise<PromotionOutcome> {
  const summary = t.service.show(t.model);
  const current = opts.seenStage ?? t.version.stage;
  let stage = opts.stage;
  if (!stage) {
    const items = STAGES.filter((s) => s !== current).map((s) => {
      const target: PromotionTarget = { kind: 'stage', stage: s };
      const gates = t.service.gatesFor(t.model, target);
      const policy = t.service.can(actionOf(target), t.model);
      const holders = summary.stages[s] ?? [];
      return {
        label: `${STAGE_ICON[s]} ${s}`,
        description: [holders.length ? `now: v${holders.join(', v')}` : '', policy.allowed ? '' : '$(lock) not allowed for you'].filter(Boolean).join(' · '),
        detail: gates.length ? `gates: ${gates.map((g) => g.name === g.expression ? g.expression : `${g.name} (${g.expression})`).join(' · ')}` : 'no gates',
        stage: s,
      };
    });
    const pick = await vscode.window.showQuickPick(items, {
      title: `Promote ${t.model} v${t.version.version} (now ${current})`,
      placeHolder: 'To which stage? Gates are checked first; a failing one blocks the move.',
      matchOnDetail: true,
    });
    if (!pick) return { outcome: 'cancelled', message: 'cancelled' };
    stage = pick.stage;
  }
  let archiveExisting = opts.archiveExisting;
  const others = (summary.stages[stage] ?? []).filter((v) => v !== t.version.version);
  if (archiveExisting === undefined && others.length && (stage === 'Staging' || stage === 'Production') && !opts.stage) {
    const pick = await vscode.window.showQuickPick([
      { label: `Archive v${others.join(', v')}`, description: `only v${t.version.version} will be in ${stage}`, archive: true },
      { label: `Keep v${others.join(', v')} in ${stage} too`, archive: false },
    ], { title: `${t.model}: ${stage} already has v${others.join(', v')}` });
    if (!pick) return { outcome: 'cancelled', message: 'cancelled' };
    archiveExisting = pick.archive;
  }
  const target: PromotionTarget = { kind: 'stage', stage };
  return settle(model, t, target, ui, () => stage === 'Archived'
    ? t.service.archive(t.model, t.version.version, { expected: { stage: current }, comment: opts.comment })
    : t.service.promote({ model: t.model, version: t.version.version, target, expected: { stage: current }, archiveExisting: archiveExisting ?? false, comment: opts.comment }));
}

/** Pick or type an alias, then point it at this version (gated like a promotion). */
export async function setAliasFlow(model: RegistryModel, t: VersionTarget, ui: PromotionUi, opts: { alias?: string; comment?: string } = {}): Promise<PromotionOutcome> {
  const summary = t.service.show(t.model);
  const alias = opts.alias ?? (await pickAlias(summary, t));
  if (!alias) return { outcome: 'cancelled', message: 'cancelled' };
  const holder = summary.aliases[alias] ?? null;
  return settle(model, t, { kind: 'alias', alias }, ui, () => t.service.setAlias(t.model, alias, t.version.version, { expected: { aliasHolder: holder }, comment: opts.comment }));
}

export async function removeAliasFlow(model: RegistryModel, t: VersionTarget, opts: { alias?: string } = {}): Promise<PromotionOutcome> {
  const alias = opts.alias ?? (t.version.aliases.length === 1 ? t.version.aliases[0] : (await vscode.window.showQuickPick(t.version.aliases.map((a) => `@${a}`), { placeHolder: `Remove which alias from ${t.model} v${t.version.version}?` }))?.slice(1));
  if (!alias) return { outcome: 'cancelled', message: 'cancelled' };
  try {
    await model.run(() => t.service.removeAlias(t.model, alias, { expectedHolder: t.version.version }));
  } catch (e) {
    return refusedOrThrow(e, t, { kind: 'alias', alias }, undefined);
  }
  const message = `MLOps: removed @${alias} from ${t.model} v${t.version.version}.`;
  void vscode.window.showInformationMessage(message);
  return { outcome: 'applied', message };
}

async function pickAlias(summary: ModelSummary, t: VersionTarget): Promise<string | undefined> {
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { alias: string }>();
  qp.title = `Set an alias on ${t.model} v${t.version.version}`;
  qp.placeholder = 'Pick an alias to move here, or type a new one (e.g. champion)';
  const existing = Object.entries(summary.aliases).sort(([a], [b]) => a.localeCompare(b)).map(([alias, v]) => ({
    label: `@${alias}`,
    description: v === t.version.version ? 'already here' : `now on v${v} → moves to v${t.version.version}`,
    detail: gatesDetail(t, { kind: 'alias', alias }),
    alias,
  }));
  const update = () => {
    const typed = qp.value.trim().replace(/^@/, '');
    const extra: Array<vscode.QuickPickItem & { alias: string }> = [];
    if (typed && !summary.aliases[typed]) {
      let problem = '';
      try { validateAlias(typed); } catch (e) { problem = describeError(e); }
      extra.push({ label: `$(add) New alias @${typed}`, description: problem ? `$(error) ${problem}` : '', detail: problem ? undefined : gatesDetail(t, { kind: 'alias', alias: typed }), alias: problem ? '' : typed, alwaysShow: true });
    }
    qp.items = [...extra, ...existing];
  };
  update();
  qp.onDidChangeValue(update);
  return new Promise<string | undefined>((resolve) => {
    qp.onDidAccept(() => {
      const a = qp.selectedItems[0]?.alias;
      if (!a) return; // an invalid new name: stay open, the description says why
      resolve(a);
      qp.hide();
    });
    qp.onDidHide(() => {
      resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

function gatesDetail(t: VersionTarget, target: PromotionTarget): string {
  const gates = t.service.gatesFor(t.model, target);
  return gates.length ? `gates: ${gates.map((g) => g.expression).join(' · ')}` : 'no gates';
}

async function settle(model: RegistryModel, t: VersionTarget, target: PromotionTarget, ui: PromotionUi, fn: () => Promise<PromotionResult>): Promise<PromotionOutcome> {
  let result: PromotionResult;
  try {
    result = await model.run(fn);
  } catch (e) {
    return refusedOrThrow(e, t, target, ui);
  }
  const what = `${t.model} v${t.version.version} → ${targetLabel(target)}`;
  if (result.ok) {
    const passed = result.checks.length ? ` (${result.checks.length} check(s) passed)` : '';
    const archived = result.archived.length ? `; archived v${result.archived.join(', v')}` : '';
    const message = `MLOps: ${what}${passed}${archived}.`;
    void vscode.window.showInformationMessage(message, 'Open in Registry').then((p) => { if (p) ui.openVersion(t); });
    return { outcome: 'applied', message, result };
  }
  const failed = result.checks.filter((c) => !c.passed);
  const message = `MLOps: blocked — ${result.message || `${what}: ${describeChecks(failed)}`}`;
  const first = failed.find((c) => c.location);
  const buttons = ['Show Checks', ...(first?.location ? ['Open Gate'] : [])];
  void vscode.window.showErrorMessage(message, ...buttons).then((p) => {
    if (p === 'Show Checks') ui.openVersion(t);
    else if (p === 'Open Gate' && first?.location) ui.openLocation(first.location.file, first.location.line);
  });
  return { outcome: 'blocked', message, result };
}

export function describeChecks(checks: CheckResult[]): string {
  return checks.map((c) => `${c.name === c.expression ? c.expression : `${c.name} (${c.expression})`}: ${c.detail}`).join('; ');
}

/**
 * Policy refusals and lost races arrive as `refused` errors: say which one it was, with what the
 * engine knows (who, what, rule; or what changed), and that nothing was changed.
 */
function refusedOrThrow(e: unknown, t: VersionTarget, target: PromotionTarget, ui: PromotionUi | undefined): PromotionOutcome {
  if (!isMlopsError(e) || e.code !== 'refused') throw e;
  if (/^Refused by policy/i.test(e.message)) {
    const message = `MLOps: ${e.message}${e.hint ? ` ${e.hint}` : ''}`;
    const loc = e.location ?? t.service.can(actionOf(target), t.model).location;
    void vscode.window.showErrorMessage(message, ...(loc && ui ? ['Open Policy'] : [])).then((p) => {
      if (p && loc && ui) ui.openLocation(loc.file, loc.line);
    });
    return { outcome: 'refused', message };
  }
  if (/changed while you were deciding/.test(e.message)) {
    const message = `MLOps: ${t.model} v${t.version.version} → ${targetLabel(target)} was not applied because someone else got there first: ${e.message}. Nothing was changed; look at the current state and decide again.`;
    void vscode.window.showWarningMessage(message, 'Show Current State').then((p) => { if (p) ui?.openVersion(t); });
    return { outcome: 'conflict', message };
  }
  throw e;
}

const STAGE_ICON: Record<Stage, string> = { Production: '$(rocket)', Staging: '$(beaker)', Archived: '$(archive)', None: '$(circle-outline)' };

/** `mlops.yaml` (or wherever a gate or rule is written) at its line. */
export async function openLocation(root: string, file: string, line?: number): Promise<void> {
  const abs = path.isAbsolute(file) ? file : path.join(root, file);
  const l = Math.max(0, (line ?? 1) - 1);
  await vscode.window.showTextDocument(vscode.Uri.file(abs), { selection: new vscode.Range(l, 0, l, 0), preview: true });
}
