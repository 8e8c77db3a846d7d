/**
 * Queue administration: a change is one transaction with its audit row (who, what, before, after);
 * `applyQueueChange` (changes.ts) then makes it hold at once for the calls already waiting.
 * Membership is the seats' `queues` array, set here per queue.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change, type Queryable } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import { checkOverflowSettings } from './overflow.ts';
import { alarmThresholdsOf, checkAlarmThresholds, mergeSettings, type QueueSettingsDoc } from './settings.ts';
import type { QueueStrategy } from './strategy.ts';
import { checkAcdSettings } from './acd-settings.ts';
import { checkStrategySettings } from './strategy-settings.ts';
import { inScope, type CentreScope } from '../auth/scope.ts';

type Deps = Pick<AppDeps, 'sql' | 'config'>;

export interface Queue {
  id: string;
  centre_id: string;
  name: string;
  strategy: QueueStrategy;
  ring_timeout_s: number;
  wrapup_s: number;
  base_priority: number;
  settings: QueueSettingsDoc;
  /** Member seats (seats whose `queues` holds this queue), by id. */
  seat_ids: string[];
  created_at: Date;
  updated_at: Date;
}

export interface NewQueue {
  id: string;
  name: string;
  centre_id?: string;
  strategy?: QueueStrategy;
  ring_timeout_s?: number;
  wrapup_s?: number;
  base_priority?: number;
  settings?: QueueSettingsDoc;
}

export type QueuePatch = Partial<Omit<NewQueue, 'id'>>;

/** Seats whose membership changed, with their whole `queues` array afterwards (for the live seat state). */
export interface MembershipChange {
  queue: Queue;
  seats: { id: string; queues: string[] }[];
}

const SELECT = `
  SELECT q.id, q.centre_id, q.name, q.strategy, q.ring_timeout_s, q.wrapup_s, q.base_priority, q.settings,
         coalesce((SELECT array_agg(s.id ORDER BY s.id) FROM seats s WHERE q.id = ANY(s.queues)), '{}') AS seat_ids,
         q.created_at, q.updated_at
    FROM queues q`;

async function lockQueue(tx: Queryable, id: string): Promise<Queue> {
  await tx`SELECT id FROM queues WHERE id = ${id} FOR UPDATE`;
  return readQueue(tx, id);
}

/** Overflow settings are checked against the queues that exist (a target queue must). */
function checkOverflow(tx: Queryable, settings: QueueSettingsDoc, id: string): Promise<void> {
  return checkOverflowSettings(settings, id, async (target) => (await tx`SELECT 1 FROM queues WHERE id = ${target}`).length > 0);
}

async function readQueue(tx: Queryable, id: string): Promise<Queue> {
  const [row] = await tx<Queue[]>`${tx.unsafe(SELECT)} WHERE q.id = ${id}`;
  if (!row) throw new CtiError('CTI_QUEUE_NOT_FOUND', { id });
  return row;
}

export async function listQueues(deps: Deps, f: { centre_id?: string; centres?: CentreScope } = {}): Promise<Queue[]> {
  return deps.sql<Queue[]>`${deps.sql.unsafe(SELECT)}
    WHERE (${f.centre_id ?? null}::text IS NULL OR q.centre_id = ${f.centre_id ?? null}) ${inScope(deps.sql, 'q.centre_id', f.centres)} ORDER BY q.id`;
}

/** One queue; another centre's (outside `centres`) is CTI_QUEUE_NOT_FOUND, as one that does not exist. */
export async function getQueue(deps: Deps, id: string, centres: CentreScope = null): Promise<Queue> {
  if (centres !== null) {
    const [row] = await deps.sql`SELECT 1 FROM queues q WHERE q.id = ${id} ${inScope(deps.sql, 'q.centre_id', centres)}`;
    if (!row) throw new CtiError('CTI_QUEUE_NOT_FOUND', { id });
  }
  return readQueue(deps.sql, id);
}

export async function createQueue(deps: Deps, change: Change, q: NewQueue): Promise<Queue> {
  const settings = q.settings ?? {};
  checkAlarmThresholds(alarmThresholdsOf(settings));
  checkAcdSettings(settings);
  checkStrategySettings(settings);
  return deps.sql.begin(async (tx) => {
    await checkOverflow(tx, settings, q.id);
    await tx`
      INSERT INTO queues (id, centre_id, name, strategy, ring_timeout_s, wrapup_s, base_priority, settings)
      VALUES (${q.id}, ${q.centre_id ?? deps.config.centreId}, ${q.name}, ${q.strategy ?? 'longest_idle'}, ${q.ring_timeout_s ?? 10},
              ${q.wrapup_s ?? 5}, ${q.base_priority ?? 5}, ${tx.json(settings as never)})`;
    const row = await readQueue(tx, q.id);
    await recordAudit(tx, { ...change, action: 'queue.created', target_type: 'queue', target_id: row.id, after: row });
    return row;
  });
}

export async function updateQueue(deps: Deps, change: Change, id: string, p: QueuePatch): Promise<Queue> {
  return deps.sql.begin(async (tx) => {
    const before = await lockQueue(tx, id);
    const settings = mergeSettings(before.settings, p.settings);
    checkAlarmThresholds(alarmThresholdsOf(settings));
    checkAcdSettings(settings);
    checkStrategySettings(settings);
    await checkOverflow(tx, settings, id);
    await tx`
      UPDATE queues SET
        name = coalesce(${p.name ?? null}, name),
        centre_id = coalesce(${p.centre_id ?? null}, centre_id),
        strategy = coalesce(${p.strategy ?? null}, strategy),
        ring_timeout_s = coalesce(${p.ring_timeout_s ?? null}::int, ring_timeout_s),
        wrapup_s = coalesce(${p.wrapup_s ?? null}::int, wrapup_s),
        base_priority = coalesce(${p.base_priority ?? null}::int, base_priority),
        settings = ${tx.json(settings as never)},
        updated_at = now()
      WHERE id = ${id}`;
    const after = await readQueue(tx, id);
    await recordAudit(tx, { ...change, action: 'queue.updated', target_type: 'queue', target_id: id, before, after });
    return after;
  });
}

/** Makes exactly `seatIds` the members of the queue (adds it to their `queues`, removes it from every other seat's). */
export async function setQueueMembers(deps: Deps, change: Change, id: string, seatIds: string[]): Promise<MembershipChange> {
  const wanted = [...new Set(seatIds)];
  return deps.sql.begin(async (tx) => {
    const before = await lockQueue(tx, id);
    const known = await tx<{ id: string }[]>`SELECT id FROM seats WHERE id = ANY(${wanted}::text[])`;
    const unknown = wanted.filter((s) => !known.some((k) => k.id === s));
    if (unknown.length > 0) {
      throw new CtiError('CTI_BAD_REQUEST', { fields: [{ in: 'body', field: '/seat_ids', message: `unknown seat(s): ${unknown.join(', ')}` }] });
    }
    const added = await tx<{ id: string; queues: string[] }[]>`
      UPDATE seats SET queues = array_append(queues, ${id}), updated_at = now()
       WHERE id = ANY(${wanted}::text[]) AND NOT (${id} = ANY(queues))
      RETURNING id, queues`;
    const removed = await tx<{ id: string; queues: string[] }[]>`
      UPDATE seats SET queues = array_remove(queues, ${id}), updated_at = now()
       WHERE ${id} = ANY(queues) AND NOT (id = ANY(${wanted}::text[]))
      RETURNING id, queues`;
    const after = await readQueue(tx, id);
    await recordAudit(tx, {
      ...change, action: 'queue.members_set', target_type: 'queue', target_id: id,
      before: { seat_ids: before.seat_ids }, after: { seat_ids: after.seat_ids },
    });
    return { queue: after, seats: [...added, ...removed].map((s) => ({ id: s.id, queues: [...s.queues] })) };
  });
}
