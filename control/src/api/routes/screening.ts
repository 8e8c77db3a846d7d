/**
 * Screening of nuisance and malicious callers (docs/screening.md): the lists' entries, the centre's policies
 * and detection rules, proposals for a supervisor, the decision log (supervisor; admin passes), and a seat's
 * one-action mark of a call (dispatcher or supervisor). Every change is audited.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { listDecisions, type DecisionFilter } from '../../screening/decision-log.ts';
import { createEntry, deleteEntry, getEntry, listEntries, updateEntry, type EntryFilter, type EntryPatch, type NewEntry } from '../../screening/entries.ts';
import type { ListName } from '../../screening/match.ts';
import type { PolicyName } from '../../screening/policy.ts';
import { approveProposal, listProposals, markCall, rejectProposal, type Approval, type MarkInput, type ProposalFilter } from '../../screening/proposals.ts';
import { afterSilentMark } from '../../screening/rules.ts';
import { listPolicies, listRules, setPolicy, setRule, type RuleKind, type RulePatch } from '../../screening/settings.ts';
import { authedErrors, uuidParams } from '../schemas/common.ts';
import {
  approveBody, approveReply, createEntryBody, decisionList, entryDeleteReply, entryList, entrySchema, listDecisionsQuery, listEntriesQuery,
  listParams, listProposalsQuery, markBody, markReply, patchEntryBody, policyList, policySchema, proposalList, proposalSchema, putPolicyBody,
  putRuleBody, ruleList, ruleParamsSchema, ruleSchema, rejectBody,
} from '../schemas/screening.ts';

type Id = { Params: { id: string } };

export interface ScreeningRouteOptions {
  /** Whether the warning announcement can be played (reported with the policies). */
  announcements?: boolean;
}

export function screeningRoutes(deps: AppDeps, o: ScreeningRouteOptions = {}) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const supervisor = requireRole('supervisor');
    const tags = ['screening'];

    app.get<{ Querystring: EntryFilter }>('/v1/screening/entries', {
      onRequest: supervisor,
      schema: { tags, summary: 'List screening entries (block, watch, always-allow)', querystring: listEntriesQuery, response: { 200: entryList, ...authedErrors() } },
    }, async (request) => ({ items: await listEntries(deps, request.query) }));

    app.post<{ Body: NewEntry }>('/v1/screening/entries', {
      onRequest: supervisor,
      schema: { tags, summary: 'Add a number or prefix to a list (renews an existing one)', body: createEntryBody, response: { 201: entrySchema, ...authedErrors() } },
    }, async (request, reply) => reply.status(201).send(await createEntry(deps, changeOf(request), request.body)));

    app.get<Id>('/v1/screening/entries/:id', {
      onRequest: supervisor,
      schema: { tags, summary: 'Get a screening entry', params: uuidParams, response: { 200: entrySchema, ...authedErrors(404) } },
    }, async (request) => getEntry(deps, request.params.id));

    app.patch<Id & { Body: EntryPatch }>('/v1/screening/entries/:id', {
      onRequest: supervisor,
      schema: { tags, summary: 'Change a screening entry (list, reason, expiry)', params: uuidParams, body: patchEntryBody, response: { 200: entrySchema, ...authedErrors(404, 409) } },
    }, async (request) => updateEntry(deps, changeOf(request), request.params.id, request.body));

    app.delete<Id>('/v1/screening/entries/:id', {
      onRequest: supervisor,
      schema: { tags, summary: 'Remove a screening entry', params: uuidParams, response: { 200: entryDeleteReply, ...authedErrors(404) } },
    }, async (request) => ({ id: (await deleteEntry(deps, changeOf(request), request.params.id)).id, deleted: true }));

    app.get('/v1/screening/policies', {
      onRequest: supervisor,
      schema: { tags, summary: 'The policy and override period of each list', response: { 200: policyList, ...authedErrors() } },
    }, async () => ({ items: await listPolicies(deps), announcements: o.announcements === true }));

    app.put<{ Params: { list: ListName }; Body: { policy: PolicyName; override_period_s?: number } }>('/v1/screening/policies/:list', {
      onRequest: supervisor,
      schema: { tags, summary: 'Set a list\'s policy and override period', params: listParams, body: putPolicyBody, response: { 200: policySchema, ...authedErrors() } },
    }, async (request) => setPolicy(deps, changeOf(request), request.params.list, request.body));

    app.get('/v1/screening/rules', {
      onRequest: supervisor,
      schema: { tags, summary: 'Detection rules (off by default)', response: { 200: ruleList, ...authedErrors() } },
    }, async () => ({ items: await listRules(deps) }));

    app.put<{ Params: { kind: RuleKind }; Body: RulePatch }>('/v1/screening/rules/:kind', {
      onRequest: supervisor,
      schema: { tags, summary: 'Turn a detection rule on or off, or change its thresholds', params: ruleParamsSchema, body: putRuleBody, response: { 200: ruleSchema, ...authedErrors() } },
    }, async (request) => setRule(deps, changeOf(request), request.params.kind, request.body));

    app.get<{ Querystring: ProposalFilter }>('/v1/screening/proposals', {
      onRequest: supervisor,
      schema: { tags, summary: 'Proposals to list numbers (pending first, strongest first)', querystring: listProposalsQuery, response: { 200: proposalList, ...authedErrors() } },
    }, async (request) => ({ items: await listProposals(deps, request.query) }));

    app.post<Id & { Body: Approval }>('/v1/screening/proposals/:id/approve', {
      onRequest: supervisor,
      schema: { tags, summary: 'Approve a proposal: the number is listed with an expiry', params: uuidParams, body: approveBody, response: { 200: approveReply, ...authedErrors(404, 409) } },
    }, async (request) => approveProposal(deps, changeOf(request), request.params.id, request.body ?? {}));

    app.post<Id & { Body: { note?: string } }>('/v1/screening/proposals/:id/reject', {
      onRequest: supervisor,
      schema: { tags, summary: 'Reject a proposal', params: uuidParams, body: rejectBody, response: { 200: proposalSchema, ...authedErrors(404, 409) } },
    }, async (request) => rejectProposal(deps, changeOf(request), request.params.id, request.body?.note));

    app.get<{ Querystring: DecisionFilter }>('/v1/screening/decisions', {
      onRequest: supervisor,
      schema: { tags, summary: 'Screening decisions, newest first', querystring: listDecisionsQuery, response: { 200: decisionList, ...authedErrors() } },
    }, async (request) => ({ items: await listDecisions(deps, request.query) }));

    app.post<Id & { Body: MarkInput }>('/v1/calls/:id/mark', {
      onRequest: requireRole('dispatcher', 'supervisor'),
      schema: { tags: [...tags, 'calls'], summary: 'Mark a call as nuisance or silent (proposes its number)', params: uuidParams, body: markBody, response: { 200: markReply, ...authedErrors(404, 409) } },
    }, async (request) => {
      const out = await markCall(deps, changeOf(request), request.params.id, request.body);
      if (request.body.kind === 'silent') await afterSilentMark(deps, out.number);
      return out;
    });
  };
}
