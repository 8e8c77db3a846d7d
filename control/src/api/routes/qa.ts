/**
 * QA review and scoring of dispatchers (调度评分): scoring forms, reviews of calls, the dispatcher's own
 * results and reply, score cards per dispatcher and period with team averages, CSV / .xlsx export, and
 * tags on recordings. qa, supervisor and admin write; a dispatcher reads only their own reviews and card.
 * Every change is audited (qa_form.*, qa_review.*, recording.tagged/untagged; exports as qa.exported).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { recordAudit } from '../../audit/record.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { scopeOf } from '../../auth/scope.ts';
import { roleSatisfies } from '../../auth/roles.ts';
import { CtiError } from '../../errors/catalogue.ts';
import { createForm, formById, listForms, updateForm, type FormInput, type FormPatch } from '../../qa/forms-store.ts';
import { commentAsDispatcher, createReview, objectiveAnswers, listReviews, reopenReview, reviewById, updateReview, type ReviewFilter, type ReviewInput, type ReviewPatch } from '../../qa/reviews.ts';
import { scoreCards } from '../../qa/scorecards.ts';
import { setTag, tagsOf } from '../../qa/tags.ts';
import { csv, reviewRows, scoreCardRows } from '../../qa/export/tables.ts';
import { xlsx } from '../../qa/export/xlsx.ts';
import { displayNames } from '../../users/service.ts';
import { authedErrors, noContent, uuidParams } from '../schemas/common.ts';
import {
  commentBody, exportQuery, fileResponses, formBody, formPatch, formSchema, formsQuery, objectiveQuery, objectiveSchema, periodQuery, reviewBody, reviewPage, reviewPatch,
  reviewSchema, reviewsQuery, scoreCardsSchema, tagBody, tagParams, tagsSchema,
} from '../schemas/qa.ts';

type Id = { Params: { id: string } };
type Period = { from: string; to: string; dispatcher_id?: string };

/** Whether the request's user reviews (qa, supervisor, admin) rather than only being reviewed. */
function isReviewer(request: FastifyRequest): boolean {
  return ['qa', 'supervisor'].some((r) => roleSatisfies(request.user.roles, r as 'qa', 'write'));
}

export function qaRoutes(deps: AppDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const writer = requireRole('qa', 'supervisor');
    const reader = requireRole('qa', 'supervisor', 'dispatcher');
    const tags = ['qa'];
    const sql = deps.sql;

    // --- forms
    app.get<{ Querystring: { centre_id?: string; active?: boolean } }>('/v1/qa/forms', {
      onRequest: reader, schema: { tags, summary: 'Scoring forms', querystring: formsQuery, response: { 200: { type: 'array', items: formSchema }, ...authedErrors() } },
    }, async (req) => listForms(sql, req.query.centre_id, req.query.active, scopeOf(req, deps.config.centreId)));

    app.post<{ Body: FormInput }>('/v1/qa/forms', {
      onRequest: writer, schema: { tags, summary: 'Define a scoring form (items with weights, scales, objective items from timings; grade thresholds)', body: formBody, response: { 201: formSchema, ...authedErrors(409) } },
    }, async (req, reply) => reply.status(201).send(await createForm(sql, req.body, changeOf(req))));

    app.get<Id>('/v1/qa/forms/:id', {
      onRequest: reader, schema: { tags, summary: 'One scoring form', params: uuidParams, response: { 200: formSchema, ...authedErrors(404) } },
    }, async (req) => formById(sql, req.params.id, scopeOf(req, deps.config.centreId)));

    app.patch<Id & { Body: FormPatch }>('/v1/qa/forms/:id', {
      onRequest: writer, schema: { tags, summary: 'Change a form: name, description, grade thresholds, active; items only while no review uses it', params: uuidParams, body: formPatch, response: { 200: formSchema, ...authedErrors(404, 409) } },
    }, async (req) => updateForm(sql, req.params.id, req.body, changeOf(req)));

    app.get<Id & { Querystring: { call_id: string } }>('/v1/qa/forms/:id/objective', {
      onRequest: writer, schema: { tags, summary: 'The form\'s objective items for a call, filled from its stored timings as a review will store them', params: uuidParams, querystring: objectiveQuery, response: { 200: objectiveSchema, ...authedErrors(404, 409) } },
    }, async (req) => objectiveAnswers(sql, req.params.id, req.query.call_id));

    // --- reviews
    app.post<{ Body: ReviewInput }>('/v1/qa/reviews', {
      onRequest: writer, schema: { tags, summary: 'Score a call: objective items are filled from its timings, the reviewer scores the rest', body: reviewBody, response: { 201: reviewSchema, ...authedErrors(404, 409) } },
    }, async (req, reply) => reply.status(201).send(await createReview(sql, req.body, changeOf(req))));

    app.get<{ Querystring: Omit<ReviewFilter, 'reviewer_id'> & { reviewer_id?: string } }>('/v1/qa/reviews', {
      onRequest: reader, schema: { tags, summary: 'Reviews, newest call first (a dispatcher sees only their own final reviews)', querystring: reviewsQuery, response: { 200: reviewPage, ...authedErrors() } },
    }, async (req) => {
      const f = { ...req.query } as ReviewFilter;
      if (!isReviewer(req)) Object.assign(f, { dispatcher_id: req.user.id, status: 'final' });
      return listReviews(sql, { ...f, centres: scopeOf(req, deps.config.centreId) });
    });

    app.get<Id>('/v1/qa/reviews/:id', {
      onRequest: reader, schema: { tags, summary: 'One review', params: uuidParams, response: { 200: reviewSchema, ...authedErrors(404) } },
    }, async (req) => {
      const r = await reviewById(sql, req.params.id, scopeOf(req, deps.config.centreId));
      if (!isReviewer(req) && (r.dispatcher_id !== req.user.id || r.status !== 'final')) throw new CtiError('CTI_QA_NOT_YOURS', { review_id: r.id });
      return r;
    });

    app.patch<Id & { Body: ReviewPatch }>('/v1/qa/reviews/:id', {
      onRequest: writer, schema: { tags, summary: 'Change a draft review, or finalise it (final: true)', params: uuidParams, body: reviewPatch, response: { 200: reviewSchema, ...authedErrors(404, 409) } },
    }, async (req) => updateReview(sql, req.params.id, req.body, changeOf(req)));

    app.post<Id>('/v1/qa/reviews/:id/reopen', {
      onRequest: requireRole('admin'), schema: { tags, summary: 'Reopen a final review as a draft (admin)', params: uuidParams, response: { 200: reviewSchema, ...authedErrors(404) } },
    }, async (req) => reopenReview(sql, req.params.id, changeOf(req)));

    app.put<Id & { Body: { comment: string } }>('/v1/qa/reviews/:id/dispatcher-comment', {
      onRequest: requireRole('dispatcher'), schema: { tags, summary: 'The reviewed dispatcher\'s reply to a final review of their call', params: uuidParams, body: commentBody, response: { 200: reviewSchema, ...authedErrors(404) } },
    }, async (req) => {
      const r = await reviewById(sql, req.params.id);
      if (r.status !== 'final') throw new CtiError('CTI_QA_NOT_YOURS', { review_id: r.id, reason: 'the review is not final yet' });
      return commentAsDispatcher(sql, req.params.id, req.body.comment, changeOf(req));
    });

    // --- score cards
    app.get<Id & { Querystring: Period }>('/v1/qa/forms/:id/scorecards', {
      onRequest: reader, schema: { tags, summary: 'Score cards per dispatcher for a period, with grades and the team average (a dispatcher gets only their own line)', params: uuidParams, querystring: periodQuery, response: { 200: scoreCardsSchema, ...authedErrors(404) } },
    }, async (req) => scoreCards(sql, req.params.id, req.query.from, req.query.to, isReviewer(req) ? req.query.dispatcher_id : req.user.id));

    app.get<Id & { Querystring: { from: string; to: string; format: 'csv' | 'xlsx'; sheet: 'scorecards' | 'reviews' } }>('/v1/qa/forms/:id/export', {
      onRequest: writer, schema: { tags, summary: 'Score cards and reviews of a period as .xlsx (two sheets) or CSV with BOM', params: uuidParams, querystring: exportQuery, response: { ...fileResponses, ...authedErrors(404) } },
    }, async (req, reply) => {
      const { from, to, format, sheet } = req.query;
      const cards = await scoreCards(sql, req.params.id, from, to);
      const { items } = await listReviews(sql, { form_id: req.params.id, status: 'final', from, to, limit: 100_000, offset: 0 });
      const ids = [...new Set(items.flatMap((r) => [r.reviewer_id, r.dispatcher_id]).filter((x): x is string => x !== null))];
      const names = await displayNames(sql, ids);
      await recordAudit(sql, { actor: req.user, ip: req.ip, action: 'qa.exported', target_type: 'qa_form', target_id: req.params.id, after: { from, to, format, sheet, reviews: items.length } });
      const base = `qa-${cards.form.name}-${from.slice(0, 10)}-${to.slice(0, 10)}`;
      if (format === 'csv') {
        const rows = sheet === 'reviews' ? reviewRows(cards, items, names) : scoreCardRows(cards);
        return reply.header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(`${base}-${sheet}.csv`)}`).send(csv(rows));
      }
      const book = xlsx([{ name: '成绩单', rows: scoreCardRows(cards) }, { name: '评分明细', rows: reviewRows(cards, items, names) }]);
      return reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(`${base}.xlsx`)}`).send(book);
    });

    // --- tags
    app.get<Id>('/v1/qa/recordings/:id/tags', {
      onRequest: requireRole('qa', 'supervisor'), schema: { tags, summary: 'A recording\'s tags', params: uuidParams, response: { 200: tagsSchema, ...authedErrors(404) } },
    }, async (req) => tagsOf(sql, req.params.id, scopeOf(req, deps.config.centreId)));

    app.post<Id & { Body: { tag: string } }>('/v1/qa/recordings/:id/tags', {
      onRequest: writer, schema: { tags, summary: 'Tag a recording (hold: keep past retention)', params: uuidParams, body: tagBody, response: { 200: tagsSchema, ...authedErrors(404) } },
    }, async (req) => setTag(sql, req.params.id, req.body.tag, true, changeOf(req), scopeOf(req, deps.config.centreId)));

    app.delete<{ Params: { id: string; tag: string } }>('/v1/qa/recordings/:id/tags/:tag', {
      onRequest: writer, schema: { tags, summary: 'Remove a tag', params: tagParams, response: { 200: tagsSchema, 204: noContent, ...authedErrors(404) } },
    }, async (req) => setTag(sql, req.params.id, req.params.tag, false, changeOf(req), scopeOf(req, deps.config.centreId)));
  };
}
