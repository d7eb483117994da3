/**
 * A contact list's CSV: a header row names the columns; the mapping says
 * which holds the number (and optionally the name and the time zone); the
 * others become the contact's properties, shown to the agent. Numbers are
 * normalised to E.164 with libphonenumber-js (national numbers in the
 * list's default country); a contact's zones come from its time-zone column,
 * else from the number (libphonenumber-geo-carrier): one zone when the
 * number tells, several when it only narrows it down (the dialer then holds
 * the contact to all of them), the campaign's own zone when it tells nothing.
 * Bad rows are reported by row number; the good rows import.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { timezones } from 'libphonenumber-geo-carrier';
import { validZone } from '../../core/campaign/hours.js';
import { readCsv } from '../../store/contacts.js';

export interface ListMapping {
  number: string;
  name?: string;
  timeZone?: string;
  /** ISO country for numbers written without +. */
  country?: string;
}

export interface ListRow {
  row: number;
  number: string;
  name?: string;
  /** Empty: the campaign's zone. */
  zones: string[];
  properties: Record<string, string>;
}

export interface RowProblem {
  row: number;
  message: string;
}

/** More zones than this and the number says nothing useful (a whole country plan): the campaign's zone. */
const MAX_ZONES = 6;

export async function parseListCsv(text: string, mapping: ListMapping, onProgress?: (done: number, total: number) => void): Promise<{ rows: ListRow[]; problems: RowProblem[] }> {
  const problems: RowProblem[] = [];
  const rows: ListRow[] = [];
  const read = readCsv(text);
  if ('problem' in read) return { rows, problems: [read.problem] };
  const records = read.records;
  const header = records[0] ?? [];
  const col = (name: string | undefined) => (name === undefined ? -1 : header.findIndex((h) => h.toLowerCase() === name.toLowerCase()));
  const numberCol = col(mapping.number);
  if (numberCol < 0) return { rows, problems: [{ row: 0, message: `mapping.number: no column "${mapping.number}" in the header (${header.join(', ')})` }] };
  const nameCol = col(mapping.name);
  const zoneCol = col(mapping.timeZone);
  if (mapping.name && nameCol < 0) problems.push({ row: 0, message: `mapping.name: no column "${mapping.name}" in the header` });
  if (mapping.timeZone && zoneCol < 0) problems.push({ row: 0, message: `mapping.timeZone: no column "${mapping.timeZone}" in the header` });
  const country = mapping.country?.toUpperCase() as CountryCode | undefined;
  // Zones by number prefix: numbers of one area share them, and asking the library is the slow part.
  const zonesOf = new Map<string, string[]>();
  const total = records.length - 1;
  for (let i = 1; i < records.length; i++) {
    const r = records[i]!;
    if (r.length !== header.length) {
      problems.push({ row: i, message: `expected ${header.length} columns (${header.join(',')}), got ${r.length}` });
      continue;
    }
    const raw = r[numberCol] ?? '';
    const parsed = parsePhoneNumberFromString(raw, country ? { defaultCountry: country } : undefined);
    if (!parsed || !parsed.isValid()) {
      problems.push({ row: i, message: `${mapping.number}: "${raw}" is not a valid phone number${country ? '' : ' (national numbers need mapping.country)'}` });
      continue;
    }
    let zones: string[];
    const given = zoneCol >= 0 ? (r[zoneCol] ?? '') : '';
    if (given) {
      if (!validZone(given)) {
        problems.push({ row: i, message: `${mapping.timeZone}: "${given}" is not a time zone (like America/Chicago)` });
        continue;
      }
      zones = [given];
    } else {
      const key = parsed.number.slice(0, 8);
      let z = zonesOf.get(key);
      if (!z) {
        z = ((await timezones(parsed).catch(() => undefined)) ?? []).filter(validZone);
        if (z.length > MAX_ZONES) z = [];
        zonesOf.set(key, z);
      }
      zones = z;
    }
    const properties: Record<string, string> = {};
    header.forEach((h, j) => {
      if (j !== numberCol && j !== nameCol && j !== zoneCol && r[j]) properties[h] = r[j]!;
    });
    rows.push({ row: i, number: parsed.number, ...(nameCol >= 0 && r[nameCol] ? { name: r[nameCol] } : {}), zones, properties });
    if (onProgress && i % 10_000 === 0) onProgress(i, total);
  }
  return { rows, problems };
}
