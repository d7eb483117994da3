/**
 * Contacts: caller numbers with the name an agent sees when they call.
 * Imported from CSV (`number,name[,company]`, a header row is optional): each
 * bad row is reported by its row number and the good rows are imported.
 */
import { parse } from 'csv-parse/sync';
import type { Db } from './db.js';

export interface ContactRow {
  number: string;
  name: string;
  company?: string;
}

export interface CsvProblem {
  row: number;
  message: string;
}

/** Digits with an optional leading +: how numbers are compared. */
export function normalizeNumber(n: string): string | undefined {
  const s = n.replace(/[\s().-]/g, '');
  return /^\+?[0-9]{3,20}$/.test(s) ? s : undefined;
}

/** Pure: CSV text in, valid rows and numbered problems out. */
export function parseContactsCsv(text: string): { rows: ContactRow[]; problems: CsvProblem[] } {
  const problems: CsvProblem[] = [];
  const rows: ContactRow[] = [];
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, trim: true, bom: true }) as string[][];
  } catch (err) {
    const e = err as { lines?: number; message: string };
    return { rows, problems: [{ row: e.lines ?? 0, message: e.message }] };
  }
  records.forEach((r, i) => {
    const row = i + 1;
    if (i === 0 && /^number$/i.test(r[0] ?? '')) return; // header
    const number = normalizeNumber(r[0] ?? '');
    const name = r[1] ?? '';
    if (!number) return problems.push({ row, message: `number: "${r[0] ?? ''}" is not a phone number` });
    if (!name) return problems.push({ row, message: 'name: missing' });
    if (r.length > 3) return problems.push({ row, message: `expected number,name[,company], got ${r.length} columns` });
    rows.push({ number, name, ...(r[2] ? { company: r[2] } : {}) });
  });
  return { rows, problems };
}

export class ContactStore {
  constructor(private readonly db: Db) {}

  async import(rows: ContactRow[], now = Date.now()): Promise<number> {
    await this.db.transaction().execute(async (trx) => {
      for (const r of rows) {
        const values = { number: r.number, name: r.name, company: r.company ?? null, updated_at: now };
        await trx.insertInto('contacts').values(values).onConflict((oc) => oc.column('number').doUpdateSet({ name: r.name, company: r.company ?? null, updated_at: now })).execute();
      }
    });
    return rows.length;
  }

  async nameOf(number: string): Promise<string | undefined> {
    const n = normalizeNumber(number);
    if (!n) return undefined;
    const row = await this.db.selectFrom('contacts').select(['name', 'company']).where('number', 'in', [n, n.replace(/^\+/, ''), `+${n.replace(/^\+/, '')}`]).executeTakeFirst();
    return row ? (row.company ? `${row.name} (${row.company})` : row.name) : undefined;
  }
}
