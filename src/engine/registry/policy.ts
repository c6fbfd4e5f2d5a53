/**
 * Who may do what. The `policy` section maps people (git user.email, `*` wildcards allowed) to
 * roles and roles to actions. No policy section means everyone may do everything. The decision
 * always names the rule it rests on, so a refusal says who, what and why.
 */
import { MlopsError } from '../errors.ts';
import type { PolicyDecision, RegistryAction } from './api.ts';
import type { PolicySettings } from './settings.ts';

function globMatch(pattern: string, text: string): boolean {
  if (!pattern.includes('*')) return pattern === text;
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(text);
}

function actionAllowed(granted: readonly string[], action: RegistryAction): string | undefined {
  for (const g of granted) {
    if (g === '*' || g === action) return g;
    if (g === 'promote:*' && action.startsWith('promote:')) return g;
    if (g === 'alias:*' && action.startsWith('alias:')) return g;
  }
  return undefined;
}

const where = (p: PolicySettings, line: number | undefined): string => `${p.file.split(/[\\/]/).pop()}${line ? `:${line}` : ''}`;

export function decide(policy: PolicySettings | undefined, actor: string, action: RegistryAction): PolicyDecision {
  if (!policy) {
    return { allowed: true, actor, action, roles: [], rule: 'no policy section in mlops.yaml: everyone may do everything' };
  }
  const who = actor.trim().toLowerCase();
  const matches = policy.people.filter((p) => globMatch(p.pattern, who));
  const fromDefault = matches.length === 0;
  const roles = fromDefault ? policy.defaultRoles : [...new Set(matches.flatMap((m) => m.roles))];
  const location = (line: number | undefined) => ({ file: policy.file, ...(line ? { line } : {}) });
  if (roles.length === 0) {
    return {
      allowed: false, actor, action, roles: [],
      rule: `${actor} is not listed under policy.people and the policy has no default role (${where(policy, policy.line)})`,
      location: location(policy.line),
    };
  }
  for (const role of roles) {
    const rule = policy.roles.get(role)!;
    const grant = actionAllowed(rule.actions, action);
    if (grant) {
      return { allowed: true, actor, action, roles, rule: `role '${role}' allows ${grant} (${where(policy, rule.line)})`, location: location(rule.line) };
    }
  }
  const granted = roles.map((r) => `${r}: ${policy.roles.get(r)!.actions.join(', ') || 'nothing'}`).join('; ');
  const first = policy.roles.get(roles[0]!)!;
  const via = fromDefault ? `the default role${roles.length > 1 ? 's' : ''} (policy.default, ${where(policy, policy.defaultLine)})` : `role${roles.length > 1 ? 's' : ''} ${roles.join(', ')}`;
  return {
    allowed: false, actor, action, roles,
    rule: `${via} do${roles.length > 1 || fromDefault ? '' : 'es'} not allow ${action} (${granted}; ${where(policy, first.line)})`,
    location: location(first.line),
  };
}

/** The refusal as an error: who, what, which rule. */
export function refusal(d: PolicyDecision, what: string): MlopsError {
  return new MlopsError('refused', `Refused by policy: ${d.actor} may not ${d.action} (${what}): ${d.rule}.`, {
    ...(d.location ? { location: d.location } : {}),
    hint: d.actor.startsWith('unknown')
      ? "Set your identity with 'git config user.email you@example.com' (or MLOPS_ACTOR in CI)."
      : 'Ask someone whose role allows it, or change the policy section of mlops.yaml (through review).',
  });
}
