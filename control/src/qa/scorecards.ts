/**
 * Score cards (成绩单): per dispatcher and period, the final reviews with one form: how many, the average
 * score, its grade by the form's thresholds, the lowest and highest, and each item's average points;
 * and the team (all dispatchers of the form's centre) the same way.
 */
import type { Sql } from 'postgres';
import { gradeOf, type Grade } from './form.ts';
import { formById, type QaForm } from './forms-store.ts';

export interface CardLine {
  dispatcher_id: string | null;
  dispatcher_name: string | null;
  reviews: number;
  average: number;
  min: number;
  max: number;
  grade: Grade;
  items: Record<string, number>;
}

export interface ScoreCards {
  form: Pick<QaForm, 'id' | 'name' | 'centre_id' | 'grades'> & { items: Array<{ key: string; label: string; weight: number }> };
  from: string;
  to: string;
  dispatchers: CardLine[];
  team: Omit<CardLine, 'dispatcher_id' | 'dispatcher_name'> & { dispatchers: number };
}

interface Row {
  dispatcher_id: string | null;
  dispatcher_name: string | null;
  reviews: number;
  average: number;
  min: number;
  max: number;
  items: Record<string, number>;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export async function scoreCards(sql: Sql, formId: string, from: string, to: string, dispatcherId?: string): Promise<ScoreCards> {
  const form = await formById(sql, formId);
  const rows = await sql<Row[]>`
    WITH r AS (
      SELECT q.dispatcher_id, q.score, q.answers FROM qa_reviews q
       WHERE q.form_id = ${formId} AND q.status = 'final' AND q.call_arrived_at >= ${from} AND q.call_arrived_at < ${to})
    SELECT r.dispatcher_id, u.display_name AS dispatcher_name, count(*)::int AS reviews, avg(r.score)::float8 AS average,
           min(r.score)::float8 AS min, max(r.score)::float8 AS max,
           (SELECT coalesce(jsonb_object_agg(k, v), '{}'::jsonb) FROM (
              SELECT a->>'key' AS k, avg((a->>'points')::float8) AS v
                FROM r r2, jsonb_array_elements(r2.answers) a
               WHERE r2.dispatcher_id IS NOT DISTINCT FROM r.dispatcher_id GROUP BY a->>'key') i) AS items
      FROM r LEFT JOIN users u ON u.id = r.dispatcher_id
     GROUP BY r.dispatcher_id, u.display_name
     ORDER BY avg(r.score) DESC, u.display_name`;
  const line = (r: Row): CardLine => ({
    dispatcher_id: r.dispatcher_id, dispatcher_name: r.dispatcher_name, reviews: r.reviews, average: round2(r.average),
    min: round2(r.min), max: round2(r.max), grade: gradeOf(round2(r.average), form.grades),
    items: Object.fromEntries(Object.entries(r.items).map(([k, v]) => [k, round2(v)])),
  });
  const all = rows.map(line);
  const n = all.reduce((s, l) => s + l.reviews, 0);
  const weighted = (f: (l: CardLine) => number) => (n === 0 ? 0 : round2(all.reduce((s, l) => s + f(l) * l.reviews, 0) / n));
  const teamItems: Record<string, number> = {};
  for (const it of form.items) teamItems[it.key] = weighted((l) => l.items[it.key] ?? 0);
  const teamAverage = weighted((l) => l.average);
  return {
    form: { id: form.id, name: form.name, centre_id: form.centre_id, grades: form.grades, items: form.items.map((i) => ({ key: i.key, label: i.label, weight: i.weight })) },
    from, to,
    dispatchers: dispatcherId === undefined ? all : all.filter((l) => l.dispatcher_id === dispatcherId),
    team: {
      dispatchers: all.length, reviews: n, average: teamAverage, grade: gradeOf(teamAverage, form.grades),
      min: all.length ? Math.min(...all.map((l) => l.min)) : 0, max: all.length ? Math.max(...all.map((l) => l.max)) : 0, items: teamItems,
    },
  };
}
