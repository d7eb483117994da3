/**
 * pbx list import / pbx dnc import: a CSV file into a contact list or a
 * do-not-call list through the running daemon's API (so that the dialer
 * knows a do-not-call number at once), in chunks of CHUNK rows with the
 * progress on stderr; bad rows are printed by their row in the file (data
 * rows from 1, after the header if there is one) while the good rows import.
 *
 *   pbx list import FILE (--list ID | --new NAME) [--number COL] [--name COL] [--time-zone COL] [--country CC]
 *   pbx dnc import FILE (--list ID | --new NAME) [--country CC]
 *   common: [--config DIR] [--url http://host:port]; else PBX_URL; PBX_TOKEN; else the config's daemon.http.
 *
 * Exit status: 0 every row imported, 1 some rows refused (the others imported) or the daemon unreachable, 2 usage.
 */
import { readFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { Config } from '../config/schema.js';
import { readCsv } from '../store/contacts.js';

export const CHUNK = 10_000;

export interface ImportArgs {
  kind: 'list' | 'dnc';
  file: string;
  list?: string;
  create?: string;
  number?: string;
  name?: string;
  timeZone?: string;
  country?: string;
}

interface Api {
  url: string;
  headers: Record<string, string>;
}

/** The daemon's address (--url, PBX_URL, else the config's daemon.http) and the administrator's token (PBX_TOKEN, else the config's). */
export function apiOf(config: Config | undefined, url: string | undefined, env = process.env): Api {
  const http = config?.daemon.http;
  const host = !http?.host || http.host === '0.0.0.0' || http.host === '::' ? '127.0.0.1' : http.host;
  const base = url ?? env.PBX_URL ?? `${http?.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${http?.port ?? 8080}`;
  const token = env.PBX_TOKEN ?? http?.token;
  return { url: base.replace(/\/$/, ''), headers: token ? { authorization: `Bearer ${token}` } : {} };
}

/** Parses `pbx list|dnc import FILE ...`; a string says what is wrong. */
export function importArgs(kind: 'list' | 'dnc', rest: string[]): ImportArgs | string {
  if (rest[0] !== 'import') return `pbx ${kind}: the only verb is import`;
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 1; i < rest.length; i++) {
    const a = rest[i]!;
    if (a.startsWith('--')) {
      const v = rest[i + 1];
      if (v === undefined || v.startsWith('--')) return `${a}: needs a value`;
      flags.set(a.slice(2), v);
      i++;
    } else positional.push(a);
  }
  const known = kind === 'list' ? ['list', 'new', 'number', 'name', 'time-zone', 'country', 'config', 'url'] : ['list', 'new', 'country', 'config', 'url'];
  const unknown = [...flags.keys()].find((f) => !known.includes(f));
  if (unknown) return `--${unknown}: not an option of pbx ${kind} import (${known.map((k) => `--${k}`).join(', ')})`;
  if (positional.length !== 1) return `pbx ${kind} import: one CSV file`;
  if (flags.has('list') === flags.has('new')) return `pbx ${kind} import: --list ID (an existing list) or --new NAME (a list made for it)`;
  const get = (k: string) => flags.get(k);
  return {
    kind,
    file: positional[0]!,
    ...(get('list') ? { list: get('list')! } : {}),
    ...(get('new') ? { create: get('new')! } : {}),
    ...(get('number') ? { number: get('number')! } : {}),
    ...(get('name') ? { name: get('name')! } : {}),
    ...(get('time-zone') ? { timeZone: get('time-zone')! } : {}),
    ...(get('country') ? { country: get('country')! } : {}),
  };
}

export interface ImportResult {
  listId: string;
  imported: number;
  problems: { row: number; message: string }[];
}

/** Reads the file, makes the list if asked, and sends the rows chunk by chunk; progress through `progress`. */
export async function importFile(a: ImportArgs, api: Api, progress: (done: number, total: number) => void = () => undefined): Promise<ImportResult> {
  const read = readCsv(await readFile(a.file, 'utf8'));
  if ('problem' in read) return { listId: a.list ?? '', imported: 0, problems: [read.problem] };
  const send = async (method: string, path: string, body: string, type: string) => {
    const res = await fetch(`${api.url}${path}`, { method, body, headers: { ...api.headers, 'content-type': type } });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status >= 500 || res.status === 401 || res.status === 403 || res.status === 404 || res.status === 415) throw new Error(`${method} ${path}: ${res.status} ${String(json.error ?? res.statusText)}`);
    return json;
  };
  const base = a.kind === 'list' ? '/api/lists' : '/api/dnc-lists';
  const listId = a.list ?? String((await send('POST', base, JSON.stringify({ name: a.create }), 'application/json')).id);
  const records = read.records;
  // A contact list's first row is its header; a do-not-call file may have one ("number") or not.
  const headed = a.kind === 'list' || /^number$/i.test(records[0]?.[0] ?? '');
  const first = headed ? 1 : 0;
  const total = records.length - first;
  let imported = 0;
  const problems: ImportResult['problems'] = [];
  for (let start = first; start < records.length; start += CHUNK) {
    const chunk = records.slice(start, start + CHUNK);
    // The API numbers a chunk's rows from 1 (after its header): back to the file's data rows, the first being 1.
    const offset = headed ? start - 1 : start;
    if (a.kind === 'list') {
      const q = new URLSearchParams({ number: a.number ?? 'number', ...(a.name ? { name: a.name } : {}), ...(a.timeZone ? { timeZone: a.timeZone } : {}), ...(a.country ? { country: a.country } : {}) });
      const r = await send('POST', `${base}/${listId}/contacts?${q}`, stringify([records[0]!, ...chunk]), 'text/csv');
      imported += Number(r.imported ?? 0);
      for (const p of (r.problems as ImportResult['problems'] | undefined) ?? []) problems.push(p.row === 0 ? p : { row: p.row + offset, message: p.message });
      if (problems.some((p) => p.row === 0)) break;
    } else {
      const r = await send('POST', `${base}/${listId}/numbers${a.country ? `?country=${encodeURIComponent(a.country)}` : ''}`, JSON.stringify({ numbers: chunk.map((c) => c[0] ?? '') }), 'application/json');
      imported += Number(r.added ?? 0);
      for (const p of (r.problems as ImportResult['problems'] | undefined) ?? []) problems.push({ row: p.row + offset, message: p.message });
    }
    progress(Math.min(start + CHUNK, records.length) - first, total);
  }
  return { listId, imported, problems };
}
