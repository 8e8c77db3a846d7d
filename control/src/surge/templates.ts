/**
 * Seat templates: what a surge seat is (queues, tier and skills, wrap-up, role), so a supervisor creates
 * N seats in one action during a major incident (重大事件) without typing their settings N times.
 */
import type { AppDeps } from '../app/deps.ts';
import { recordAudit, type Change, type Queryable } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';

type Deps = Pick<AppDeps, 'sql' | 'config'>;

export interface SeatTemplate {
  id: string;
  centre_id: string;
  name: string;
  queues: string[];
  tier: number;
  skills: string[];
  wrapup_s: number | null;
  role: 'dispatcher' | 'supervisor';
  created_by_name: string;
  created_at: Date;
  updated_at: Date;
}

export interface NewSeatTemplate {
  id: string;
  name: string;
  queues: string[];
  centre_id?: string;
  tier?: number;
  skills?: string[];
  wrapup_s?: number | null;
  role?: 'dispatcher' | 'supervisor';
}

const COLUMNS = 'id, centre_id, name, queues, tier, skills, wrapup_s, role, created_by_name, created_at, updated_at';

async function assertQueuesExist(tx: Queryable, queues: string[]): Promise<void> {
  const rows = await tx<{ id: string }[]>`SELECT id FROM queues WHERE id = ANY(${queues}::text[])`;
  const known = new Set(rows.map((r) => r.id));
  const unknown = queues.filter((q) => !known.has(q));
  if (unknown.length > 0) {
    throw new CtiError('CTI_BAD_REQUEST', { fields: [{ in: 'body', field: '/queues', message: `unknown queue(s): ${unknown.join(', ')}` }] });
  }
}

export async function createSeatTemplate(deps: Deps, change: Change, t: NewSeatTemplate): Promise<SeatTemplate> {
  return deps.sql.begin(async (tx) => {
    await assertQueuesExist(tx, t.queues);
    const [taken] = await tx`SELECT 1 FROM seat_templates WHERE id = ${t.id}`;
    if (taken) throw new CtiError('CTI_CONFLICT', { id: t.id }, `A seat template "${t.id}" exists already; choose another id.`);
    const [row] = await tx<SeatTemplate[]>`
      INSERT INTO seat_templates (id, centre_id, name, queues, tier, skills, wrapup_s, role, created_by, created_by_name)
      VALUES (${t.id}, ${t.centre_id ?? deps.config.centreId}, ${t.name}, ${t.queues}::text[], ${t.tier ?? 1},
              ${t.skills ?? []}::text[], ${t.wrapup_s ?? null}, ${t.role ?? 'dispatcher'}, ${change.actor.id}, ${change.actor.username})
      RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'seat_template.created', target_type: 'seat_template', target_id: row.id, after: row });
    return row;
  });
}

export async function listSeatTemplates(deps: Deps): Promise<SeatTemplate[]> {
  return deps.sql<SeatTemplate[]>`SELECT ${deps.sql.unsafe(COLUMNS)} FROM seat_templates ORDER BY id`;
}

export async function getSeatTemplate(sql: Queryable, id: string): Promise<SeatTemplate> {
  const [row] = await sql<SeatTemplate[]>`SELECT ${sql.unsafe(COLUMNS)} FROM seat_templates WHERE id = ${id}`;
  if (!row) throw new CtiError('CTI_NOT_FOUND', { template_id: id }, `No seat template "${id}"; list them with GET /v1/seat-templates.`);
  return row;
}
