/**
 * GET /v1/ha/role (no session, like /health): what this node's control plane is in the lead's state machine
 * (control/src/ha/lease/machine.ts), answered from memory, so that the peer can ask it over the A-B link while Redis is
 * away (docs/ha.md "The leader across a Redis outage"). On a single node: standby until it leads, `node` null.
 */
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../schemas/common.ts';
import { haRoleReply } from '../schemas/ha.ts';

export function haRoleRoutes(node: string | undefined, role: () => 'standby' | 'leading' | 'paused') {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/v1/ha/role', {
      config: { public: true },
      schema: {
        tags: ['ha'], summary: "This node's lead: standby, leading or paused (a leader waiting for Redis to answer again)", security: [],
        response: { 200: haRoleReply, ...errorResponses(500) },
      },
    }, async () => ({ node: node ?? null, role: role() }));
  };
}
