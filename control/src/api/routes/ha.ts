/**
 * The primary/backup pair (docs/ha.md): its state and failovers for the supervisors' panel, and the switchover
 * for maintenance (admin, audited). On a single node the state is empty and the switchover is refused.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app/deps.ts';
import { changeOf } from '../../audit/request.ts';
import { requireRole } from '../../auth/authenticate.ts';
import { listFailovers } from '../../ha/failovers/store.ts';
import { readNodeStatuses } from '../../ha/nodes/status.ts';
import { switchover, type SwitchoverNode } from '../../ha/switchover/switchover.ts';
import { LEADER_NODE_KEY } from '../../ha/lead.ts';
import { authedErrors } from '../schemas/common.ts';
import { haState, switchoverBody, switchoverReply } from '../schemas/ha.ts';

export function haRoutes(deps: AppDeps, node: SwitchoverNode | undefined) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const tags = ['ha'];
    app.get('/v1/ha/state', {
      onRequest: requireRole('supervisor'),
      schema: { tags, summary: 'The pair: which node leads, which holds the floating address, the A-B link, the last failovers', response: { 200: haState, ...authedErrors() } },
    }, async () => {
      if (!node) return { leader: null, vip_holder: null, nodes: [], failovers: [] };
      const nodes = await readNodeStatuses(deps, [node.node, node.peer].sort());
      return {
        leader: (await deps.redis.hget(LEADER_NODE_KEY, 'node')) ?? null,
        vip_holder: nodes.find((n) => 'vrrp' in n && n.vrrp === 'MASTER')?.node ?? null,
        nodes,
        failovers: await listFailovers(deps.sql, 20),
      };
    });

    app.post<{ Body: { drain_timeout_s?: number } }>('/v1/ha/switchover', {
      onRequest: requireRole('admin'),
      schema: {
        tags, summary: 'Hand the lead and the floating address to the other node (maintenance): waits for the callers waiting here, then switches',
        body: switchoverBody, response: { 202: switchoverReply, ...authedErrors(409) },
      },
    }, async (request, reply) => reply.status(202).send(await switchover(deps, changeOf(request), node, request.body?.drain_timeout_s ?? 60)));
  };
}
