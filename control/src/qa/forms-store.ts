/** Scoring forms in PostgreSQL (qa_forms). Items cannot change once a review uses the form. */
import type { Sql } from 'postgres';
import { recordAudit, type Change } from '../audit/record.ts';
import { CtiError } from '../errors/catalogue.ts';
import { checkForm, DEFAULT_GRADES, type FormItem, type GradeThresholds } from './form.ts';
import { inScope, type CentreScope } from '../auth/scope.ts';

export interface QaForm {
  id: string;
  centre_id: string;
  name: string;
  description: string | null;
  items: FormItem[];
  grades: GradeThresholds;
  active: boolean;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  in_use: boolean;
}

export interface FormInput {
  name: string;
  description?: string | null;
  items: FormItem[];
  grades?: GradeThresholds;
  centre_id?: string;
}

export type FormPatch = Partial<Pick<FormInput, 'name' | 'description' | 'items' | 'grades'>> & { active?: boolean };

const COLUMNS = `f.id, f.centre_id, f.name, f.description, f.items, f.grades, f.active, f.created_by, f.created_at, f.updated_at,
  EXISTS (SELECT 1 FROM qa_reviews r WHERE r.form_id = f.id) AS in_use`;

export async function formById(sql: Sql, id: string, centres: CentreScope = null): Promise<QaForm> {
  const [f] = await sql<QaForm[]>`SELECT ${sql.unsafe(COLUMNS)} FROM qa_forms f WHERE f.id = ${id} ${inScope(sql, 'f.centre_id', centres)}`;
  if (!f) throw new CtiError('CTI_QA_FORM_NOT_FOUND', { form_id: id });
  return f;
}

export async function listForms(sql: Sql, centreId: string | undefined, active: boolean | undefined, centres: CentreScope = null): Promise<QaForm[]> {
  return sql<QaForm[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM qa_forms f
     WHERE true ${centreId ? sql`AND f.centre_id = ${centreId}` : sql``} ${active === undefined ? sql`` : sql`AND f.active = ${active}`}
       ${inScope(sql, 'f.centre_id', centres)}
     ORDER BY f.centre_id, f.name`;
}

export async function createForm(sql: Sql, input: FormInput, who: Change): Promise<QaForm> {
  const grades = input.grades ?? DEFAULT_GRADES;
  checkForm({ items: input.items, grades });
  const centre = input.centre_id ?? who.actor.centre_id;
  return sql.begin(async (tx) => {
    const [{ id }] = await tx<{ id: string }[]>`
      INSERT INTO qa_forms (centre_id, name, description, items, grades, created_by)
      VALUES (${centre}, ${input.name}, ${input.description ?? null}, ${tx.json(input.items as never)}, ${tx.json(grades as never)}, ${who.actor.id})
      RETURNING id`;
    await recordAudit(tx, { actor: who.actor, ip: who.ip, action: 'qa_form.created', target_type: 'qa_form', target_id: id, after: { ...input, grades } });
    const [f] = await tx<QaForm[]>`SELECT ${tx.unsafe(COLUMNS)} FROM qa_forms f WHERE f.id = ${id}`;
    return f;
  });
}

export async function updateForm(sql: Sql, id: string, patch: FormPatch, who: Change): Promise<QaForm> {
  return sql.begin(async (tx) => {
    const [before] = await tx<QaForm[]>`SELECT ${tx.unsafe(COLUMNS)} FROM qa_forms f WHERE f.id = ${id} FOR UPDATE`;
    if (!before) throw new CtiError('CTI_QA_FORM_NOT_FOUND', { form_id: id });
    if (patch.items && before.in_use) throw new CtiError('CTI_QA_FORM_IN_USE', { form_id: id });
    const items = patch.items ?? before.items;
    const grades = patch.grades ?? before.grades;
    checkForm({ items, grades });
    await tx`
      UPDATE qa_forms SET name = ${patch.name ?? before.name},
        description = ${patch.description === undefined ? before.description : patch.description},
        items = ${tx.json(items as never)}, grades = ${tx.json(grades as never)}, active = ${patch.active ?? before.active}, updated_at = now()
       WHERE id = ${id}`;
    const [after] = await tx<QaForm[]>`SELECT ${tx.unsafe(COLUMNS)} FROM qa_forms f WHERE f.id = ${id}`;
    await recordAudit(tx, { actor: who.actor, ip: who.ip, action: 'qa_form.updated', target_type: 'qa_form', target_id: id, before, after });
    return after;
  });
}
