/**
 * Reviews: a reviewer (qa, supervisor, admin) scores an answered call with a form. Objective items come
 * from the call's stored timings; the rest from the reviewer. A review is a draft until finalised; a final
 * review cannot change unless an admin reopens it. The dispatcher who took the call may read it and add
 * one comment (a reply). Every change is an audit row in the same transaction.
 *
 *   draft --finalise--> final --reopen (admin)--> draft
 */
import type { Sql, TransactionSql } from 'postgres';
import { recordAudit, type Change } from '../audit/record.ts';
import { inScope, type CentreScope } from '../auth/scope.ts';
import { CtiError } from '../errors/catalogue.ts';
import { dispatcherAt } from './dispatcher-of-call.ts';
import { formById } from './forms-store.ts';
import { score, type Answer, type CallTimings, type GivenAnswer } from './scoring.ts';

export interface Review {
  id: string;
  centre_id: string;
  call_id: string;
  recording_id: string | null;
  form_id: string;
  reviewer_id: string;
  dispatcher_id: string | null;
  seat_id: string | null;
  call_arrived_at: Date;
  status: 'draft' | 'final';
  answers: unknown[];
  score: number;
  grade: string;
  comment: string | null;
  dispatcher_comment: string | null;
  dispatcher_commented_at: Date | null;
  created_at: Date;
  updated_at: Date;
  finalised_at: Date | null;
}

export interface ReviewInput {
  call_id: string;
  form_id: string;
  answers: GivenAnswer[];
  comment?: string | null;
  final?: boolean;
}

export interface ReviewPatch {
  answers?: GivenAnswer[];
  comment?: string | null;
  final?: boolean;
}

export interface ReviewFilter {
  dispatcher_id?: string;
  reviewer_id?: string;
  form_id?: string;
  status?: 'draft' | 'final';
  from?: string;
  to?: string;
  limit: number;
  offset: number;
  /** The centres the reader may see (auth/scope.ts); null or absent: all. */
  centres?: CentreScope;
}

const COLUMNS = `id, centre_id, call_id, recording_id, form_id, reviewer_id, dispatcher_id, seat_id, call_arrived_at, status, answers,
  score::float8 AS score, grade, comment, dispatcher_comment, dispatcher_commented_at, created_at, updated_at, finalised_at`;

interface CallFacts extends CallTimings {
  id: string;
  centre_id: string;
  arrived_at: Date;
  answered_at: Date | null;
  answered_seat_id: string | null;
  recording_id: string | null;
}

async function callFacts(tx: Sql | TransactionSql, callId: string): Promise<CallFacts> {
  const [c] = await tx<CallFacts[]>`
    SELECT c.id, c.centre_id, c.arrived_at, c.answered_at, c.answered_seat_id, c.queue_ms, c.answer_ms, c.talk_ms,
           (SELECT o.ring_ms FROM call_offers o WHERE o.call_id = c.id AND o.outcome = 'answered' ORDER BY o.attempt DESC LIMIT 1) AS ring_ms,
           (SELECT r.id FROM recordings r WHERE r.sip_call_id = c.sip_call_id) AS recording_id
      FROM calls c WHERE c.id = ${callId}`;
  if (!c) throw new CtiError('CTI_CALL_NOT_FOUND', { call_id: callId });
  if (!c.answered_at || !c.answered_seat_id) throw new CtiError('CTI_QA_CALL_NOT_SCORABLE', { call_id: callId });
  return c;
}

/** The form's objective items for a call, as a review would store them (the page shows them before the first save). */
export async function objectiveAnswers(sql: Sql, formId: string, callId: string): Promise<{ form_id: string; call_id: string; answers: Answer[] }> {
  const form = await formById(sql, formId);
  const call = await callFacts(sql, callId);
  const { answers } = score(form, call, [], false);
  return { form_id: form.id, call_id: call.id, answers: answers.filter((a) => a.auto) };
}

export async function reviewById(sql: Sql | TransactionSql, id: string, centres: CentreScope = null): Promise<Review> {
  const [r] = await sql<Review[]>`SELECT ${sql.unsafe(COLUMNS)} FROM qa_reviews WHERE id = ${id} ${inScope(sql, 'centre_id', centres)}`;
  if (!r) throw new CtiError('CTI_QA_REVIEW_NOT_FOUND', { review_id: id });
  return r;
}

export async function createReview(sql: Sql, input: ReviewInput, who: Change): Promise<Review> {
  const form = await formById(sql, input.form_id);
  if (!form.active) throw new CtiError('CTI_QA_FORM_INACTIVE', { form_id: form.id });
  return sql.begin(async (tx) => {
    const call = await callFacts(tx, input.call_id);
    const s = score(form, call, input.answers, input.final === true);
    const dispatcher = await dispatcherAt(tx, call.answered_seat_id!, call.answered_at!);
    const final = input.final === true;
    const [{ id }] = await tx<{ id: string }[]>`
      INSERT INTO qa_reviews (centre_id, call_id, recording_id, form_id, reviewer_id, dispatcher_id, seat_id, call_arrived_at, status,
                              answers, score, grade, comment, finalised_at)
      VALUES (${call.centre_id}, ${call.id}, ${call.recording_id}, ${form.id}, ${who.actor.id}, ${dispatcher}, ${call.answered_seat_id},
              ${call.arrived_at}, ${final ? 'final' : 'draft'}, ${tx.json(s.answers as never)}, ${s.score}, ${s.grade},
              ${input.comment ?? null}, ${final ? new Date() : null})
      RETURNING id`;
    const review = await reviewById(tx, id);
    await recordAudit(tx, { actor: who.actor, ip: who.ip, action: 'qa_review.created', target_type: 'qa_review', target_id: id, after: review });
    return review;
  });
}

export async function updateReview(sql: Sql, id: string, patch: ReviewPatch, who: Change): Promise<Review> {
  return sql.begin(async (tx) => {
    const [before] = await tx<Review[]>`SELECT ${tx.unsafe(COLUMNS)} FROM qa_reviews WHERE id = ${id} FOR UPDATE`;
    if (!before) throw new CtiError('CTI_QA_REVIEW_NOT_FOUND', { review_id: id });
    if (before.status === 'final') throw new CtiError('CTI_QA_REVIEW_FINAL', { review_id: id });
    const form = await formById(sql, before.form_id);
    const call = await callFacts(tx, before.call_id);
    const given = patch.answers ?? (before.answers as Array<{ key: string; value: number | null; auto: boolean; note?: string }>)
      .filter((a) => !a.auto && a.value !== null).map((a) => ({ key: a.key, value: a.value!, ...(a.note ? { note: a.note } : {}) }));
    const final = patch.final === true;
    const s = score(form, call, given, final);
    await tx`
      UPDATE qa_reviews SET answers = ${tx.json(s.answers as never)}, score = ${s.score}, grade = ${s.grade},
        comment = ${patch.comment === undefined ? before.comment : patch.comment}, status = ${final ? 'final' : 'draft'},
        finalised_at = ${final ? new Date() : null}, updated_at = now()
       WHERE id = ${id}`;
    const after = await reviewById(tx, id);
    await recordAudit(tx, { actor: who.actor, ip: who.ip, action: final ? 'qa_review.finalised' : 'qa_review.updated', target_type: 'qa_review', target_id: id, before, after });
    return after;
  });
}

export async function reopenReview(sql: Sql, id: string, who: Change): Promise<Review> {
  return sql.begin(async (tx) => {
    const before = await reviewById(tx, id);
    await tx`UPDATE qa_reviews SET status = 'draft', finalised_at = NULL, updated_at = now() WHERE id = ${id}`;
    const after = await reviewById(tx, id);
    await recordAudit(tx, { actor: who.actor, ip: who.ip, action: 'qa_review.reopened', target_type: 'qa_review', target_id: id, before, after });
    return after;
  });
}

/** The dispatcher's reply to a final review of their own call. */
export async function commentAsDispatcher(sql: Sql, id: string, comment: string, who: Change): Promise<Review> {
  return sql.begin(async (tx) => {
    const before = await reviewById(tx, id);
    if (before.dispatcher_id !== who.actor.id) throw new CtiError('CTI_QA_NOT_YOURS', { review_id: id });
    await tx`UPDATE qa_reviews SET dispatcher_comment = ${comment}, dispatcher_commented_at = now(), updated_at = now() WHERE id = ${id}`;
    const after = await reviewById(tx, id);
    await recordAudit(tx, {
      actor: who.actor, ip: who.ip, action: 'qa_review.dispatcher_commented', target_type: 'qa_review', target_id: id,
      before: { dispatcher_comment: before.dispatcher_comment }, after: { dispatcher_comment: comment },
    });
    return after;
  });
}

export async function listReviews(sql: Sql, f: ReviewFilter): Promise<{ items: Review[]; total: number }> {
  const where = () => sql`
    WHERE true
      ${f.dispatcher_id ? sql`AND dispatcher_id = ${f.dispatcher_id}` : sql``}
      ${f.reviewer_id ? sql`AND reviewer_id = ${f.reviewer_id}` : sql``}
      ${f.form_id ? sql`AND form_id = ${f.form_id}` : sql``}
      ${f.status ? sql`AND status = ${f.status}` : sql``}
      ${f.from ? sql`AND call_arrived_at >= ${f.from}` : sql``}
      ${f.to ? sql`AND call_arrived_at < ${f.to}` : sql``}
      ${inScope(sql, 'centre_id', f.centres)}`;
  const [items, [{ total }]] = await Promise.all([
    sql<Review[]>`SELECT ${sql.unsafe(COLUMNS)} FROM qa_reviews ${where()} ORDER BY call_arrived_at DESC, id DESC LIMIT ${f.limit} OFFSET ${f.offset}`,
    sql<{ total: number }[]>`SELECT count(*)::int AS total FROM qa_reviews ${where()}`,
  ]);
  return { items, total };
}
