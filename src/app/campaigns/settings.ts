/**
 * A campaign's settings as the API takes them, checked against the running
 * configuration (queues, flows, AMD profiles, trunks) and the stored lists;
 * each problem names its field. {@link toDef} gives the dialer's view.
 */
import type { TranscriptionModeValue } from '../../config/transcription-schema.js';
import { checkSchedule, parseHours, validZone, type Schedule, type Weekday } from '../../core/campaign/hours.js';
import type { CampaignDef, DialMode } from '../../core/campaign/types.js';
import type { Config } from '../../config/schema.js';
import { Ajv } from 'ajv';
import { DispositionsSchema } from '../../config/work-schema.js';
import { ajvProblems } from '../../config/load.js';
import type { DispositionList } from '../../core/work/work.js';

const checkDispositions = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true }).compile(DispositionsSchema);

export interface CampaignSettings {
  name: string;
  description?: string;
  lists: string[];
  dncList?: string;
  priority: number;
  mode: DialMode;
  queue?: string;
  flow?: string;
  callerId?: string;
  trunk?: string;
  order: 'list' | 'random';
  maxAttempts: number;
  retryMinutes: number;
  ringSeconds: number;
  hours: Partial<Record<Weekday, string[]>>;
  timeZone: string;
  amd: { enabled: boolean; profile?: string };
  onMachine: 'hangup' | 'message';
  machineMessage?: string;
  record: boolean;
  /** Transcripts of the campaign's connected calls (wins over its queue's): after the call from its recordings, live, or none. */
  transcription?: TranscriptionModeValue;
  schedule?: Schedule;
  lines: number;
  abandonCap: number;
  safeHarborMessage?: string;
  previewSeconds: number;
  maxSkips: number;
  /** The list the agent picks from on the campaign's calls, each code done, retry or do-not-call; the queue's list when absent. */
  dispositions?: DispositionList;
}

export const DEFAULTS = { priority: 5, order: 'list', maxAttempts: 3, retryMinutes: 60, ringSeconds: 25, timeZone: 'UTC', amd: { enabled: false }, onMachine: 'hangup', record: false, lines: 2, abandonCap: 0.03, previewSeconds: 30, maxSkips: 3 } as const;

const MODES: DialMode[] = ['progressive', 'preview', 'agentless', 'predictive'];

/** Fields that may not change once the campaign has run: what its attempts were made under. */
export const FIXED_AFTER_RUN = ['mode', 'lists', 'queue', 'flow'] as const;

export interface Known {
  lists: Set<string>;
  dncLists: Set<string>;
}

/** The body with defaults filled in, or the problems (field: message). */
export function checkSettings(body: unknown, config: Config, known: Known): { settings: CampaignSettings } | { problems: string[] } {
  const p: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { problems: ['body: must be a JSON object'] };
  const b = { ...DEFAULTS, ...(body as Record<string, unknown>) } as Record<string, unknown>;
  const int = (f: string, min: number, max: number) => {
    const v = b[f];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) p.push(`${f}: must be a whole number from ${min} to ${max}`);
  };
  if (typeof b.name !== 'string' || !b.name.trim() || b.name.length > 100) p.push('name: required, up to 100 characters');
  if (b.description !== undefined && (typeof b.description !== 'string' || b.description.length > 2000)) p.push('description: up to 2000 characters');
  if (!Array.isArray(b.lists) || b.lists.length === 0) p.push('lists: at least one contact list id');
  else for (const l of b.lists) if (typeof l !== 'string' || !known.lists.has(l)) p.push(`lists: no contact list "${String(l)}"`);
  if (b.dncList !== undefined && (typeof b.dncList !== 'string' || !known.dncLists.has(b.dncList))) p.push(`dncList: no do-not-call list "${String(b.dncList)}"`);
  int('priority', 1, 5);
  if (!MODES.includes(b.mode as DialMode)) p.push(`mode: one of ${MODES.join(', ')}`);
  if (b.mode === 'agentless') {
    if (typeof b.flow !== 'string' || !config.ivr[b.flow]) p.push(`flow: an agentless campaign needs an IVR flow of the configuration (${Object.keys(config.ivr).join(', ') || 'none defined'})`);
  } else if (b.queue === undefined || b.queue === '') p.push('queue: required, the queue whose agents take the calls');
  else if (typeof b.queue !== 'string' || !config.queues[b.queue]) p.push(`queue: no queue "${String(b.queue)}" is defined`);
  if (b.callerId !== undefined && (typeof b.callerId !== 'string' || !/^\+?[0-9]{3,20}$/.test(b.callerId))) p.push('callerId: a phone number');
  if (b.trunk !== undefined && (typeof b.trunk !== 'string' || !config.trunks[b.trunk])) p.push(`trunk: no trunk "${String(b.trunk)}" is defined`);
  if (!b.trunk && Object.keys(config.trunks).length === 0) p.push('trunk: the configuration has no trunk to dial through');
  if (b.order !== 'list' && b.order !== 'random') p.push('order: list or random');
  int('maxAttempts', 1, 20);
  int('retryMinutes', 0, 10_080);
  int('ringSeconds', 5, 120);
  if (typeof b.hours !== 'object' || b.hours === null || Array.isArray(b.hours)) p.push('hours: contactable hours per weekday, like { "mon": ["09:00-17:00"] }');
  else for (const problem of parseHours(b.hours as Partial<Record<Weekday, string[]>>).problems) p.push(`hours: ${problem}`);
  if (typeof b.timeZone !== 'string' || !validZone(b.timeZone)) p.push(`timeZone: "${String(b.timeZone)}" is not a time zone (like America/New_York)`);
  const amd = b.amd as { enabled?: unknown; profile?: unknown } | undefined;
  if (typeof amd !== 'object' || amd === null || typeof amd.enabled !== 'boolean') p.push('amd: { "enabled": true|false, "profile"?: name }');
  else if (amd.profile !== undefined && (typeof amd.profile !== 'string' || !config.amdProfiles[amd.profile])) p.push(`amd.profile: no AMD profile "${String(amd.profile)}"`);
  if (b.onMachine !== 'hangup' && b.onMachine !== 'message') p.push('onMachine: hangup or message');
  if (b.onMachine === 'message' && (typeof b.machineMessage !== 'string' || !b.machineMessage)) p.push('machineMessage: the file to leave on a machine (onMachine is message)');
  if (typeof b.record !== 'boolean') p.push('record: true or false');
  if (b.transcription !== undefined && !['off', 'post-call', 'live'].includes(b.transcription as string)) p.push('transcription: off, post-call or live');
  if (b.transcription === 'post-call' && b.record !== true) p.push('transcription: post-call transcripts are made from recordings (set record: true, or use live)');
  if (b.schedule !== undefined) {
    if (typeof b.schedule !== 'object' || b.schedule === null) p.push('schedule: { start, timeZone, end?, recurrence?, durationMinutes? }');
    else p.push(...checkSchedule(b.schedule as Schedule));
  }
  int('lines', 1, 500);
  if (typeof b.abandonCap !== 'number' || b.abandonCap < 0 || b.abandonCap > 0.5) p.push('abandonCap: a fraction from 0 to 0.5 (0.03 is 3%)');
  if (b.safeHarborMessage !== undefined && (typeof b.safeHarborMessage !== 'string' || !b.safeHarborMessage)) p.push('safeHarborMessage: the file an abandoned person hears');
  int('previewSeconds', 5, 600);
  int('maxSkips', 0, 1000);
  if (b.dispositions !== undefined) {
    const list = structuredClone(b.dispositions);
    if (!checkDispositions(list)) {
      for (const e of ajvProblems(checkDispositions.errors ?? [])) p.push(`${['dispositions', ...e.field].join('.')}: ${e.message}`);
    } else {
      const codes = (list as DispositionList).codes.map((c) => c.code);
      const twice = codes.find((c, i) => codes.indexOf(c) !== i);
      if (twice) p.push(`dispositions.codes: "${twice}" is listed twice`);
      else b.dispositions = list;
    }
  }
  return p.length ? { problems: p } : { settings: b as unknown as CampaignSettings };
}

export function toDef(id: string, s: CampaignSettings): CampaignDef {
  return {
    id,
    name: s.name,
    priority: s.priority,
    mode: s.mode,
    ...(s.queue ? { queue: s.queue } : {}),
    ...(s.flow ? { flow: s.flow } : {}),
    ...(s.dncList ? { dncList: s.dncList } : {}),
    maxAttempts: s.maxAttempts,
    retryMinutes: s.retryMinutes,
    ringSeconds: s.ringSeconds,
    hours: parseHours(s.hours).hours,
    timeZone: s.timeZone,
    ...(s.schedule ? { schedule: s.schedule } : {}),
    lines: s.lines,
    abandonCap: s.abandonCap,
    previewSeconds: s.previewSeconds,
    maxSkips: s.maxSkips,
  };
}
