/**
 * Inbound routes: a called number (optionally only from one trunk) goes to a queue, with an optional
 * priority. The call flow reads them through queues/routing.ts; a change drops its cache so the next
 * call is routed by it. Without any route a call still lands in the centre's first queue.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change, type Queryable } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';

type Deps = Pick<AppDeps, 'sql' | 'config'>;

export interface InboundRoute {
  id: number;
  centre_id: string;
  called_number: string;
  trunk_id: string | null;
  queue_id: string;
  priority: number | null;
}

export interface NewInboundRoute {
  called_number: string;
  queue_id: string;
  trunk_id?: string | null;
  priority?: number | null;
  centre_id?: string;
}

export type InboundRoutePatch = Partial<NewInboundRoute>;

const COLUMNS = 'id, centre_id, called_number, trunk_id, queue_id, priority';

async function assertQueueExists(tx: Queryable, queueId: string | undefined): Promise<void> {
  if (queueId === undefined) return;
  const [q] = await tx`SELECT 1 FROM queues WHERE id = ${queueId}`;
  if (!q) throw new CtiError('CTI_BAD_REQUEST', { fields: [{ in: 'body', field: '/queue_id', message: `unknown queue: ${queueId}` }] });
}

async function lockRoute(tx: Queryable, id: number): Promise<InboundRoute> {
  const [row] = await tx<InboundRoute[]>`SELECT ${tx.unsafe(COLUMNS)} FROM inbound_routes WHERE id = ${id} FOR UPDATE`;
  if (!row) throw new CtiError('CTI_INBOUND_ROUTE_NOT_FOUND', { id });
  return row;
}

export async function listInboundRoutes(deps: Deps, f: { centre_id?: string; queue_id?: string } = {}): Promise<InboundRoute[]> {
  return deps.sql<InboundRoute[]>`
    SELECT ${deps.sql.unsafe(COLUMNS)} FROM inbound_routes
     WHERE (${f.centre_id ?? null}::text IS NULL OR centre_id = ${f.centre_id ?? null})
       AND (${f.queue_id ?? null}::text IS NULL OR queue_id = ${f.queue_id ?? null})
     ORDER BY called_number, trunk_id NULLS LAST, id`;
}

export async function getInboundRoute(deps: Deps, id: number): Promise<InboundRoute> {
  const [row] = await deps.sql<InboundRoute[]>`SELECT ${deps.sql.unsafe(COLUMNS)} FROM inbound_routes WHERE id = ${id}`;
  if (!row) throw new CtiError('CTI_INBOUND_ROUTE_NOT_FOUND', { id });
  return row;
}

export async function createInboundRoute(deps: Deps, change: Change, r: NewInboundRoute): Promise<InboundRoute> {
  return deps.sql.begin(async (tx) => {
    await assertQueueExists(tx, r.queue_id);
    const [row] = await tx<InboundRoute[]>`
      INSERT INTO inbound_routes (centre_id, called_number, trunk_id, queue_id, priority)
      VALUES (${r.centre_id ?? deps.config.centreId}, ${r.called_number}, ${r.trunk_id ?? null}, ${r.queue_id}, ${r.priority ?? null})
      RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'inbound_route.created', target_type: 'inbound_route', target_id: String(row.id), after: row });
    return row;
  });
}

export async function updateInboundRoute(deps: Deps, change: Change, id: number, p: InboundRoutePatch): Promise<InboundRoute> {
  return deps.sql.begin(async (tx) => {
    const before = await lockRoute(tx, id);
    await assertQueueExists(tx, p.queue_id);
    const next = { ...before, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) } as InboundRoute;
    const [row] = await tx<InboundRoute[]>`
      UPDATE inbound_routes SET centre_id = ${next.centre_id}, called_number = ${next.called_number}, trunk_id = ${next.trunk_id},
             queue_id = ${next.queue_id}, priority = ${next.priority}
       WHERE id = ${id}
      RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'inbound_route.updated', target_type: 'inbound_route', target_id: String(id), before, after: row });
    return row;
  });
}

export async function deleteInboundRoute(deps: Deps, change: Change, id: number): Promise<InboundRoute> {
  return deps.sql.begin(async (tx) => {
    const before = await lockRoute(tx, id);
    await tx`DELETE FROM inbound_routes WHERE id = ${id}`;
    await recordAudit(tx, { ...change, action: 'inbound_route.deleted', target_type: 'inbound_route', target_id: String(id), before });
    return before;
  });
}
