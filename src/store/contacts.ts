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
  /** Columns after number, name, company, named by the header row. */
  properties?: Record<string, string>;
}

export interface ContactCard {
  number: string;
  name: string;
  company?: string;
  properties: Record<string, string>;
}

export const PROPERTY_LIMITS = { count: 50, keyChars: 40, valueChars: 500 } as const;

export interface CsvProblem {
  row: number;
  message: string;
}

/** Digits with an optional leading +: how numbers are compared. */
export function normalizeNumber(n: string): string | undefined {
  const s = n.replace(/[\s().-]/g, '');
  return /^\+?[0-9]{3,20}$/.test(s) ? s : undefined;
}

/** CSV text as rows of trimmed cells, or the problem that stopped the parser (with its line). */
export function readCsv(text: string): { records: string[][] } | { problem: CsvProblem } {
  try {
    return { records: parse(text, { relax_column_count: true, skip_empty_lines: true, trim: true, bom: true }) as string[][] };
  } catch (err) {
    const e = err as { lines?: number; message: string };
    return { problem: { row: e.lines ?? 0, message: e.message } };
  }
}

/** Pure: CSV text in, valid rows and numbered problems out. */
export function parseContactsCsv(text: string): { rows: ContactRow[]; problems: CsvProblem[] } {
  const problems: CsvProblem[] = [];
  const rows: ContactRow[] = [];
  const read = readCsv(text);
  if ('problem' in read) return { rows, problems: [read.problem] };
  const records = read.records;
  // A header row (number,name[,company][,property...]) names the columns after company: the contact's properties.
  let extra: string[] = [];
  records.forEach((r, i) => {
    const row = i + 1;
    if (i === 0 && /^number$/i.test(r[0] ?? '')) {
      extra = r.slice(3).map((h) => h.trim());
      return;
    }
    const number = normalizeNumber(r[0] ?? '');
    const name = r[1] ?? '';
    if (!number) return problems.push({ row, message: `number: "${r[0] ?? ''}" is not a phone number` });
    if (!name) return problems.push({ row, message: 'name: missing' });
    if (r.length > 3 + extra.length) return problems.push({ row, message: `expected number,name[,company]${extra.map((e) => `,${e}`).join('')}, got ${r.length} columns` });
    const properties = Object.fromEntries(extra.map((k, j) => [k, r[3 + j] ?? '']).filter(([k, v]) => k && v));
    rows.push({ number, name, ...(r[2] ? { company: r[2] } : {}), ...(Object.keys(properties).length ? { properties } : {}) });
  });
  return { rows, problems };
}

export class ContactStore {
  constructor(private readonly db: Db) {}

  async import(rows: ContactRow[], now = Date.now()): Promise<number> {
    await this.db.transaction().execute(async (trx) => {
      for (const r of rows) {
        const properties = r.properties ? JSON.stringify(r.properties) : null;
        const values = { number: r.number, name: r.name, company: r.company ?? null, properties, updated_at: now };
        await trx
          .insertInto('contacts')
          .values(values)
          .onConflict((oc) => oc.column('number').doUpdateSet({ name: r.name, company: r.company ?? null, ...(properties ? { properties } : {}), updated_at: now }))
          .execute();
      }
    });
    return rows.length;
  }

  /** The contact a number belongs to, written with or without its +. */
  async card(number: string): Promise<ContactCard | undefined> {
    const n = normalizeNumber(number);
    if (!n) return undefined;
    const row = await this.db.selectFrom('contacts').selectAll().where('number', 'in', variants(n)).executeTakeFirst();
    if (!row) return undefined;
    return { number: row.number, name: row.name, ...(row.company ? { company: row.company } : {}), properties: row.properties ? (JSON.parse(row.properties) as Record<string, string>) : {} };
  }

  /** Sets properties (an empty value removes one); a number not yet a contact becomes one, named `name`. */
  async setProperties(number: string, patch: Record<string, string>, name: string, now = Date.now()): Promise<ContactCard> {
    const current = await this.card(number);
    const props = { ...(current?.properties ?? {}) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === '') delete props[k];
      else props[k] = v;
    }
    const key = current?.number ?? normalizeNumber(number)!;
    await this.db
      .insertInto('contacts')
      .values({ number: key, name: current?.name ?? name, company: current?.company ?? null, properties: JSON.stringify(props), updated_at: now })
      .onConflict((oc) => oc.column('number').doUpdateSet({ properties: JSON.stringify(props), updated_at: now }))
      .execute();
    return { number: key, name: current?.name ?? name, ...(current?.company ? { company: current.company } : {}), properties: props };
  }

  /** The number's calls, newest first, with the handling agent's disposition and notes, and its recordings. */
  async history(number: string, limit = 20): Promise<{ id: string; arrivedAt: number; direction: string; queueId: string | null; agentId: string | null; outcome: string | null; talkMs: number | null; disposition: string | null; notes: string | null; recordings: string[] }[]> {
    const n = normalizeNumber(number);
    if (!n) return [];
    const rows = await this.db
      .selectFrom('calls')
      .leftJoin('call_work as w', (j) => j.onRef('w.call_id', '=', 'calls.id').onRef('w.agent_id', '=', 'calls.agent_id'))
      .select(['calls.id', 'calls.arrived_at', 'calls.direction', 'calls.queue_id', 'calls.agent_id', 'calls.disposition as outcome', 'calls.talk_ms', 'w.disposition', 'w.notes'])
      .where('calls.caller_number', 'in', variants(n))
      .orderBy('calls.arrived_at', 'desc')
      .limit(limit)
      .execute();
    const recs = rows.length
      ? await this.db.selectFrom('recordings').select(['id', 'call_id']).where('call_id', 'in', rows.map((r) => r.id)).where('deleted_at', 'is', null).execute()
      : [];
    return rows.map((r) => ({
      id: r.id,
      arrivedAt: Number(r.arrived_at),
      direction: r.direction,
      queueId: r.queue_id,
      agentId: r.agent_id,
      outcome: r.outcome,
      talkMs: r.talk_ms === null ? null : Number(r.talk_ms),
      disposition: r.disposition,
      notes: r.notes,
      recordings: recs.filter((x) => x.call_id === r.id).map((x) => x.id),
    }));
  }

  async nameOf(number: string): Promise<string | undefined> {
    const n = normalizeNumber(number);
    if (!n) return undefined;
    const row = await this.db.selectFrom('contacts').select(['name', 'company']).where('number', 'in', variants(n)).executeTakeFirst();
    return row ? (row.company ? `${row.name} (${row.company})` : row.name) : undefined;
  }
}

function variants(n: string): string[] {
  const bare = n.replace(/^\+/, '');
  return [...new Set([n, bare, `+${bare}`])];
}
