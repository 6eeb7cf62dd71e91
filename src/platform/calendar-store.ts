/** Persists admin-imported holiday arrangements and builds the working-day calendar from them. */
import { ZodError } from 'zod';
import type { Actor } from './actor.js';
import { parseCalendarImport, WorkingDayCalendar } from './calendar.js';
import type { DataContext } from './context.js';
import { now, type Db } from './db/dialect.js';
import { DomainError, fieldError } from './errors.js';
import { appendAudit } from './audit.js';
import { unitOfWork } from './unit-of-work.js';

export async function loadCalendar(db: Db): Promise<WorkingDayCalendar> {
  const rows = await db.selectFrom('calendar_days').select(['date', 'kind', 'name']).execute();
  return new WorkingDayCalendar(rows);
}

export interface ImportedYear {
  year: number;
  source: string;
  holidays: number;
  workdays: number;
  importedAt: string;
  importedBy: string | null;
}

/** The years an admin imported, with the notice they came from and how many days each marks. */
export async function importedYears(db: Db): Promise<ImportedYear[]> {
  const rows = await db
    .selectFrom('calendar_days')
    .select(['year', 'kind', 'source', 'imported_at', 'imported_by'])
    .orderBy('year')
    .execute();
  const years = new Map<number, ImportedYear>();
  for (const r of rows) {
    const y = years.get(r.year) ?? {
      year: r.year,
      source: r.source,
      holidays: 0,
      workdays: 0,
      importedAt: r.imported_at,
      importedBy: r.imported_by,
    };
    if (r.kind === 'HOLIDAY') y.holidays++;
    else y.workdays++;
    years.set(r.year, y);
  }
  return [...years.values()];
}

export interface ImportResult {
  year: number;
  holidays: number;
  workdays: number;
}

/** Replaces the stored arrangement of one year with the file's, in one transaction. */
export async function importCalendarYear(
  ctx: DataContext,
  actor: Actor,
  json: unknown,
): Promise<ImportResult> {
  let overrides;
  try {
    overrides = parseCalendarImport(json);
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const errors = error.issues.map((i) => fieldError(i.path.join('.') || 'file', 'validation.invalid'));
    const first = error.issues[0];
    throw new DomainError('calendar.import_invalid', {
      field: first?.path.join('.') || 'file',
      params: { reason: first ? `${first.path.join('.')}: ${first.message}` : 'invalid' },
      errors,
    });
  }
  const file = json as { year: number; source: string };
  const at = ctx.clock.now();
  await unitOfWork(ctx, async (trx) => {
    await trx.deleteFrom('calendar_days').where('year', '=', file.year).execute();
    await trx
      .insertInto('calendar_days')
      .values(
        overrides.map((o) => ({
          ...o,
          year: file.year,
          source: file.source,
          imported_by: actor.kind === 'user' ? actor.id : null,
          imported_at: now(at),
        })),
      )
      .execute();
    await appendAudit(trx, {
      actor,
      action: 'calendar.year_imported',
      objectType: 'calendar',
      objectId: String(file.year),
      data: { source: file.source, days: overrides.length },
      at,
    });
  });
  return {
    year: file.year,
    holidays: overrides.filter((o) => o.kind === 'HOLIDAY').length,
    workdays: overrides.filter((o) => o.kind === 'WORKDAY').length,
  };
}
