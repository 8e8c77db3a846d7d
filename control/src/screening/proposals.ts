/**
 * Proposals to list a number, for a supervisor to approve or reject. A seat's mark of a call (nuisance or
 * silent) or a detection rule creates one, or strengthens the number's pending one (one pending per number).
 * Approving creates (or renews) the list entry with an expiry. Nothing is listed without a person's approval
 * or a rule the centre turned on with auto_apply.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change, type Queryable } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import { upsertEntryIn, type Author, type Entry } from './entries.ts';
import { rebuildMirror } from './mirror.ts';
import { normaliseNumber } from './numbers.ts';

type Deps = Pick<AppDeps, 'sql' | 'redis' | 'config' | 'bus'>;

export type ProposalReason = 'nuisance' | 'silent' | 'short_calls' | 'silent_marks';

export interface Proposal {
  id: string;
  number: string;
  list: 'block' | 'watch';
  status: 'pending' | 'approved' | 'rejected';
  reasons: ProposalReason[];
  call_ids: string[];
  strength: number;
  notes: string[];
  created_at: Date;
  updated_at: Date;
  reviewer: string | null;
  reviewed_at: Date | null;
  review_note: string | null;
  entry_id: string | null;
}

export interface ProposalInput {
  number: string;
  list: 'block' | 'watch';
  reason: ProposalReason;
  callId: string | null;
  note?: string | null;
}

const COLUMNS = `id::text AS id, number, list, status, reasons, call_ids::text[] AS call_ids, strength, notes, created_at, updated_at,
  reviewer, reviewed_at, review_note, entry_id::text AS entry_id`;

/** Creates the number's pending proposal or strengthens it (a new call counts once; a block proposal outranks watch). */
export async function proposeIn(tx: Queryable, centre: string, p: ProposalInput): Promise<Proposal> {
  const calls = p.callId ? [p.callId] : [];
  const notes = p.note ? [p.note] : [];
  const [row] = await tx<Proposal[]>`
    INSERT INTO screening_proposals AS sp (centre_id, number, list, reasons, call_ids, strength, notes)
    VALUES (${centre}, ${p.number}, ${p.list}, ${[p.reason]}, ${calls}::uuid[], 1, ${notes})
    ON CONFLICT (centre_id, number) WHERE status = 'pending' DO UPDATE SET
      list = CASE WHEN excluded.list = 'block' THEN 'block' ELSE sp.list END,
      reasons = CASE WHEN ${p.reason} = ANY(sp.reasons) THEN sp.reasons ELSE sp.reasons || excluded.reasons END,
      call_ids = CASE WHEN excluded.call_ids <@ sp.call_ids AND cardinality(excluded.call_ids) > 0 THEN sp.call_ids ELSE sp.call_ids || excluded.call_ids END,
      strength = sp.strength + CASE WHEN excluded.call_ids <@ sp.call_ids AND cardinality(excluded.call_ids) > 0 THEN 0 ELSE 1 END,
      notes = sp.notes || excluded.notes,
      updated_at = now()
    RETURNING ${tx.unsafe(COLUMNS)}`;
  return row;
}

export async function publishProposal(deps: Pick<AppDeps, 'bus'>, p: Proposal, callId: string | null): Promise<void> {
  await deps.bus.publish('screening.proposed.v1', { proposal_id: p.id, number: p.number, list: p.list, reasons: p.reasons, strength: p.strength, call_id: callId });
}

export interface MarkInput { kind: 'nuisance' | 'silent'; note?: string }

/** A seat marks a call: the mark, and the caller's proposal created or strengthened; audited. */
export async function markCall(deps: Deps, change: Change, callId: string, m: MarkInput): Promise<{ call_id: string; number: string; kind: string; proposal: Proposal }> {
  const { number, proposal } = await deps.sql.begin(async (tx) => {
    const [call] = await tx<{ centre_id: string; caller_number: string | null }[]>`SELECT centre_id, caller_number FROM calls WHERE id = ${callId}`;
    if (!call) throw new CtiError('CTI_CALL_NOT_FOUND', { call_id: callId });
    const number = normaliseNumber(call.caller_number);
    if (!number) throw new CtiError('CTI_SCREENING_CALLER_UNKNOWN', { call_id: callId });
    await tx`
      INSERT INTO screening_marks (centre_id, call_id, number, kind, note, user_id)
      VALUES (${call.centre_id}, ${callId}, ${number}, ${m.kind}, ${m.note ?? null}, ${change.actor.id})
      ON CONFLICT (call_id, kind) DO UPDATE SET note = excluded.note, user_id = excluded.user_id, at = now()`;
    const proposal = await proposeIn(tx, call.centre_id, { number, list: 'block', reason: m.kind, callId, note: m.note ?? null });
    await recordAudit(tx, { ...change, action: 'call.marked', target_type: 'call', target_id: callId, after: { kind: m.kind, note: m.note ?? null, number, proposal_id: proposal.id } });
    return { number, proposal };
  });
  await publishProposal(deps, proposal, callId);
  return { call_id: callId, number, kind: m.kind, proposal };
}

export interface ProposalFilter { status?: Proposal['status']; number?: string; limit: number; offset: number }

export async function listProposals(deps: Pick<AppDeps, 'sql' | 'config'>, f: ProposalFilter): Promise<Proposal[]> {
  const number = f.number === undefined ? null : normaliseNumber(f.number);
  return deps.sql<Proposal[]>`
    SELECT ${deps.sql.unsafe(COLUMNS)} FROM screening_proposals
     WHERE centre_id = ${deps.config.centreId}
       AND (${f.status ?? null}::text IS NULL OR status = ${f.status ?? null})
       AND (${number}::text IS NULL OR number = ${number})
     ORDER BY (status = 'pending') DESC, strength DESC, updated_at DESC
     LIMIT ${f.limit} OFFSET ${f.offset}`;
}

async function lockPending(tx: Queryable, centre: string, id: string): Promise<Proposal> {
  const [p] = await tx<Proposal[]>`SELECT ${tx.unsafe(COLUMNS)} FROM screening_proposals WHERE id = ${id} AND centre_id = ${centre} FOR UPDATE`;
  if (!p) throw new CtiError('CTI_SCREENING_PROPOSAL_NOT_FOUND', { id });
  if (p.status !== 'pending') throw new CtiError('CTI_SCREENING_PROPOSAL_CLOSED', { id, status: p.status });
  return p;
}

export interface Approval { list?: 'block' | 'watch'; expires_in_h?: number; reason?: string; note?: string }

export const DEFAULT_APPROVAL_TTL_H = 24;

/** Approves a pending proposal inside `tx`: the entry (renewed if it exists), the proposal closed; audited. */
export async function approveIn(tx: Queryable, centre: string, author: Author, p: Proposal, a: Approval): Promise<{ proposal: Proposal; entry: Entry }> {
  const ttlH = a.expires_in_h ?? DEFAULT_APPROVAL_TTL_H;
  const [{ expires }] = await tx<{ expires: Date }[]>`SELECT now() + make_interval(hours => ${ttlH}) AS expires`;
  const ruled = 'rule' in author;
  const entry = await upsertEntryIn(tx, centre, author, {
    list: a.list ?? p.list, number: p.number, match: 'exact', source: ruled ? 'rule' : 'proposal', expires_at: expires.toISOString(),
    reason: a.reason ?? `${p.reasons.join(', ')} (${p.strength})${p.notes.length ? `: ${p.notes.join('; ')}` : ''}`.slice(0, 500),
  });
  const reviewer = ruled ? `rule:${author.rule}` : author.change.actor.username;
  const reviewerId = ruled ? null : author.change.actor.id;
  const [after] = await tx<Proposal[]>`
    UPDATE screening_proposals SET status = 'approved', reviewed_by = ${reviewerId}, reviewer = ${reviewer}, reviewed_at = now(),
           review_note = ${a.note ?? null}, entry_id = ${entry.id}, updated_at = now()
     WHERE id = ${p.id} RETURNING ${tx.unsafe(COLUMNS)}`;
  const actor = ruled ? { actor: { id: null, username: reviewer }, ip: null } : author.change;
  await recordAudit(tx, { ...actor, action: 'screening_proposal.approved', target_type: 'screening_proposal', target_id: p.id, before: p, after });
  return { proposal: after, entry };
}

export async function approveProposal(deps: Deps, change: Change, id: string, a: Approval): Promise<{ proposal: Proposal; entry: Entry }> {
  const centre = deps.config.centreId;
  const out = await deps.sql.begin(async (tx) => approveIn(tx, centre, { change }, await lockPending(tx, centre, id), a));
  await rebuildMirror(deps, centre);
  return out;
}

export async function rejectProposal(deps: Deps, change: Change, id: string, note: string | undefined): Promise<Proposal> {
  const centre = deps.config.centreId;
  return deps.sql.begin(async (tx) => {
    const before = await lockPending(tx, centre, id);
    const [after] = await tx<Proposal[]>`
      UPDATE screening_proposals SET status = 'rejected', reviewed_by = ${change.actor.id}, reviewer = ${change.actor.username},
             reviewed_at = now(), review_note = ${note ?? null}, updated_at = now()
       WHERE id = ${id} RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'screening_proposal.rejected', target_type: 'screening_proposal', target_id: id, before, after });
    return after;
  });
}
