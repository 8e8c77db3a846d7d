/**
 * The centre's choices: a policy and an override period per list, and the detection rules (off by default).
 * Changes are audited; policy changes rebuild the Redis mirror.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import type { ListName } from './match.ts';
import { rebuildMirror } from './mirror.ts';
import { ALLOW_POLICIES, DEFAULT_POLICIES, type PolicyName } from './policy.ts';

type Deps = Pick<AppDeps, 'sql' | 'redis' | 'config'>;

export interface PolicyRow { list: ListName; policy: PolicyName; override_period_s: number; updated_at: Date | null }

export async function listPolicies(deps: Deps): Promise<PolicyRow[]> {
  const rows = await deps.sql<PolicyRow[]>`
    SELECT list, policy, override_period_s, updated_at FROM screening_policies WHERE centre_id = ${deps.config.centreId}`;
  const have = new Map(rows.map((r) => [r.list, r]));
  return (['block', 'watch', 'allow'] as const).map((l) => have.get(l)
    ?? { list: l, policy: DEFAULT_POLICIES[l].policy, override_period_s: DEFAULT_POLICIES[l].overridePeriodS, updated_at: null });
}

export async function setPolicy(deps: Deps, change: Change, list: ListName, p: { policy: PolicyName; override_period_s?: number }): Promise<PolicyRow> {
  if (list === 'allow' && !ALLOW_POLICIES.includes(p.policy)) throw new CtiError('CTI_SCREENING_POLICY_INVALID', { list, policy: p.policy });
  const centre = deps.config.centreId;
  const row = await deps.sql.begin(async (tx) => {
    const [before] = await tx<PolicyRow[]>`SELECT list, policy, override_period_s, updated_at FROM screening_policies
      WHERE centre_id = ${centre} AND list = ${list} FOR UPDATE`;
    const period = p.override_period_s ?? before?.override_period_s ?? DEFAULT_POLICIES[list].overridePeriodS;
    const [after] = await tx<PolicyRow[]>`
      INSERT INTO screening_policies (centre_id, list, policy, override_period_s) VALUES (${centre}, ${list}, ${p.policy}, ${period})
      ON CONFLICT (centre_id, list) DO UPDATE SET policy = excluded.policy, override_period_s = excluded.override_period_s, updated_at = now()
      RETURNING list, policy, override_period_s, updated_at`;
    await recordAudit(tx, { ...change, action: 'screening_policy.updated', target_type: 'screening_policy', target_id: `${centre}:${list}`, before: before ?? null, after });
    return after;
  });
  await rebuildMirror(deps, centre);
  return row;
}

export interface ShortCallsParams { calls: number; window_min: number; max_s: number }
export interface SilentMarksParams { marks: number; window_h: number }
export type RuleKind = 'short_calls' | 'silent_marks';

export interface Rule<K extends RuleKind = RuleKind> {
  kind: K;
  enabled: boolean;
  /** Create the list entry at once (flagged 'rule') instead of only proposing it. */
  auto_apply: boolean;
  list: 'block' | 'watch';
  entry_ttl_h: number;
  params: K extends 'short_calls' ? ShortCallsParams : SilentMarksParams;
  updated_at: Date | null;
}

export const DEFAULT_RULES: { short_calls: Rule<'short_calls'>; silent_marks: Rule<'silent_marks'> } = {
  short_calls: { kind: 'short_calls', enabled: false, auto_apply: false, list: 'block', entry_ttl_h: 24, params: { calls: 5, window_min: 10, max_s: 10 }, updated_at: null },
  silent_marks: { kind: 'silent_marks', enabled: false, auto_apply: false, list: 'block', entry_ttl_h: 24, params: { marks: 3, window_h: 24 }, updated_at: null },
};

export async function listRules(deps: Pick<AppDeps, 'sql' | 'config'>): Promise<[Rule<'short_calls'>, Rule<'silent_marks'>]> {
  const rows = await deps.sql<Rule[]>`
    SELECT kind, enabled, auto_apply, list, entry_ttl_h, params, updated_at FROM screening_rules WHERE centre_id = ${deps.config.centreId}`;
  const get = <K extends RuleKind>(k: K) => {
    const r = rows.find((x) => x.kind === k);
    return (r ? { ...r, params: { ...DEFAULT_RULES[k].params, ...r.params } } : DEFAULT_RULES[k]) as Rule<K>;
  };
  return [get('short_calls'), get('silent_marks')];
}

export type RulePatch = Partial<Pick<Rule, 'enabled' | 'auto_apply' | 'list' | 'entry_ttl_h'>> & { params?: Record<string, number> };

export async function setRule(deps: Deps, change: Change, kind: RuleKind, p: RulePatch): Promise<Rule> {
  const centre = deps.config.centreId;
  return deps.sql.begin(async (tx) => {
    const before = (await listRules({ sql: tx as never, config: deps.config })).find((r) => r.kind === kind)!;
    const next = {
      enabled: p.enabled ?? before.enabled, auto_apply: p.auto_apply ?? before.auto_apply, list: p.list ?? before.list,
      entry_ttl_h: p.entry_ttl_h ?? before.entry_ttl_h, params: { ...before.params, ...(p.params ?? {}) },
    };
    const [after] = await tx<Rule[]>`
      INSERT INTO screening_rules (centre_id, kind, enabled, auto_apply, list, entry_ttl_h, params)
      VALUES (${centre}, ${kind}, ${next.enabled}, ${next.auto_apply}, ${next.list}, ${next.entry_ttl_h}, ${tx.json(next.params as never)})
      ON CONFLICT (centre_id, kind) DO UPDATE SET enabled = excluded.enabled, auto_apply = excluded.auto_apply, list = excluded.list,
        entry_ttl_h = excluded.entry_ttl_h, params = excluded.params, updated_at = now()
      RETURNING kind, enabled, auto_apply, list, entry_ttl_h, params, updated_at`;
    await recordAudit(tx, { ...change, action: 'screening_rule.updated', target_type: 'screening_rule', target_id: `${centre}:${kind}`, before, after });
    return after;
  });
}
