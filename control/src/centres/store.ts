/**
 * The centres of the network (issue 15): the city 120 centre and its county centres. Every seat, queue, trunk,
 * call and recording belongs to one (centre_id). Reads take the reader's scope (auth/scope.ts); changes are
 * admins' and audited in the same transaction. Centres are not deleted: their calls and recordings stay theirs.
 */
import type { Sql } from 'postgres';
import type { Change } from '../audit/record.ts';
import { recordAudit } from '../audit/record.ts';
import { inScope, type CentreScope } from '../auth/scope.ts';
import { CtiError } from '../errors/catalogue.ts';

export interface Centre {
  id: string;
  name: string;
  sip_domain: string | null;
  backup_uri: string | null;
  callback_number: string | null;
  created_at: Date;
}

export interface NewCentre { id: string; name: string; sip_domain?: string | null; callback_number?: string | null }
export type CentrePatch = Partial<Omit<NewCentre, 'id'>>;

const COLUMNS = 'id, name, sip_domain, backup_uri, callback_number, created_at';

export async function listCentres(sql: Sql, centres: CentreScope): Promise<Centre[]> {
  return sql<Centre[]>`SELECT ${sql.unsafe(COLUMNS)} FROM centres WHERE true ${inScope(sql, 'id', centres)} ORDER BY id`;
}

/** One centre; a centre outside `centres` is CTI_CENTRE_NOT_FOUND, as one that does not exist. */
export async function getCentre(sql: Sql, id: string, centres: CentreScope): Promise<Centre> {
  const [row] = await sql<Centre[]>`SELECT ${sql.unsafe(COLUMNS)} FROM centres WHERE id = ${id} ${inScope(sql, 'id', centres)}`;
  if (!row) throw new CtiError('CTI_CENTRE_NOT_FOUND', { id });
  return row;
}

export async function createCentre(sql: Sql, change: Change, c: NewCentre): Promise<Centre> {
  return sql.begin(async (tx) => {
    const [row] = await tx<Centre[]>`
      INSERT INTO centres (id, name, sip_domain, callback_number) VALUES (${c.id}, ${c.name}, ${c.sip_domain ?? null}, ${c.callback_number ?? null})
      RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'centre.created', target_type: 'centre', target_id: row.id, after: row });
    return row;
  });
}

export async function updateCentre(sql: Sql, change: Change, id: string, p: CentrePatch): Promise<Centre> {
  return sql.begin(async (tx) => {
    const [before] = await tx<Centre[]>`SELECT ${tx.unsafe(COLUMNS)} FROM centres WHERE id = ${id} FOR UPDATE`;
    if (!before) throw new CtiError('CTI_CENTRE_NOT_FOUND', { id });
    const [row] = await tx<Centre[]>`
      UPDATE centres SET name = ${p.name ?? before.name},
                         sip_domain = ${p.sip_domain === undefined ? before.sip_domain : p.sip_domain},
                         callback_number = ${p.callback_number === undefined ? before.callback_number : p.callback_number}
       WHERE id = ${id} RETURNING ${tx.unsafe(COLUMNS)}`;
    await recordAudit(tx, { ...change, action: 'centre.updated', target_type: 'centre', target_id: id, before, after: row });
    return row;
  });
}
