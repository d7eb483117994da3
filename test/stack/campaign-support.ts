/**
 * What the campaign tests on the real stack (campaign-progressive,
 * campaign-dialers, campaign-preview-desk) and bench/campaign.ts share: where the AMD corpus is,
 * the carrier's recordings taken from it (test/sipp/callee-campaign.xml
 * plays human.wav and machine.wav from its working directory), contactable
 * hours around the clock, and a small client for the daemon's API.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseWav } from '../../src/audio/wav.js';
import { mulawWav } from '../support/audio.js';
import { REPO, type Stack } from './harness.js';

/** The AMD corpus (AMD_CORPUS, else ../shared/amd-corpus beside the repository) and its dev set's labels. */
export const CORPUS = process.env.AMD_CORPUS ?? path.resolve(REPO, '../shared/amd-corpus');
export const CORPUS_LABELS = path.join(CORPUS, 'dev/labels.csv');

/** Every weekday, all day. */
export const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['00:00-24:00']]));

/**
 * The first clip of the corpus's dev set with the label (a machine's with a
 * beep), followed by `silenceSec` of silence, as 8 kHz mu-law WAV for SIPp's rtp_stream.
 */
export function corpusClip(label: 'human' | 'machine', corpus = CORPUS, silenceSec = 4): Buffer {
  const rows = readFileSync(path.join(corpus, 'dev/labels.csv'), 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
  const wav = parseWav(readFileSync(path.join(corpus, 'dev', rows.find((r) => r[1] === label && (label === 'human' || r[2] === 'yes'))![0]!)));
  const samples = new Int16Array(wav.samples.length + silenceSec * 8000);
  samples.set(wav.samples);
  return mulawWav(samples);
}

export interface CarrierClips {
  /** The corpus (CORPUS). */
  corpus?: string;
  /** Seconds of silence after each clip (4): the callee's RTP goes on that long after it speaks. */
  silenceSec?: number;
  /** A person's recording in machine.wav too: every callee who answers is a person (a test with no AMD to fool). */
  allHuman?: boolean;
}

/** The carrier's working directory (created): a person's and a machine's recording from the corpus. */
export function writeCarrierClips(dir: string, opts: CarrierClips = {}): string {
  const { corpus = CORPUS, silenceSec = 4, allHuman = false } = opts;
  mkdirSync(dir, { recursive: true });
  const human = corpusClip('human', corpus, silenceSec);
  writeFileSync(path.join(dir, 'human.wav'), human);
  writeFileSync(path.join(dir, 'machine.wav'), allHuman ? human : corpusClip('machine', corpus, silenceSec));
  return dir;
}

export interface ApiReply {
  status: number;
  json: Record<string, unknown>;
}

/** A request to the stack's daemon (whichever is running): a JSON body, or CSV text when `csv`; the status and the JSON reply. */
export function campaignApi(stack: Pick<Stack, 'daemon'>): (method: string, url: string, body?: unknown, csv?: boolean) => Promise<ApiReply> {
  return async (method, url, body, csv = false) => {
    const res = await fetch(`${stack.daemon.httpAddress}${url}`, { method, ...(body !== undefined ? { body: csv ? String(body) : JSON.stringify(body), headers: { 'content-type': csv ? 'text/csv' : 'application/json' } } : {}) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
}
