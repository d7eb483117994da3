/**
 * The recordings' index and retention. FreeSWITCH writes the files (two
 * channels: customer left, agent right) into the recordings directory, named
 * `<call id>-<segment>.wav`; each file has a row (call, segment, agent,
 * queue, times, status) so a call lists all of its segments, and a sweeper
 * deletes files past their queue's `recordingRetentionDays`, saying so in the
 * log. A recording that cannot be written is counted for /healthz.
 */
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { CallStore } from '../../store/calls.js';
import { serviceQueue } from './inbound.js';
import { transcriptionOf } from './live-control.js';
import type { CallState, CentreContext } from './state.js';

const DAY_MS = 86_400_000;

export const recordingId = (callId: string, segment: number) => `${callId}-${segment}`;

/** Recording failures since start, and the last one: shown by /healthz. */
export const recordingHealth = { failures: 0, last: undefined as undefined | { at: number; error: string; callId: string } };

/** A recording started (or, with `error`, could not start). */
export function recordingStarted(ctx: CentreContext, call: CallState, segment: number, file: string, error?: string): void {
  const queue = serviceQueue(ctx, call);
  const queueId = queue?.id;
  const days = queue?.config.recordingRetentionDays;
  const now = ctx.now();
  ctx.d.calls.recordingStarted({
    id: recordingId(call.id, segment),
    call_id: call.id,
    segment,
    agent_id: call.agent?.id ?? null,
    queue_id: queueId ?? null,
    file,
    started_at: now,
    ended_at: error ? now : null,
    status: error ? 'failed' : 'recording',
    error: error ?? null,
    expires_at: days ? now + days * DAY_MS : null,
    deleted_at: null,
  });
  if (error) failed(call.id, now, error);
}

function failed(callId: string, at: number, error: string): void {
  recordingHealth.failures++;
  recordingHealth.last = { at, error, callId };
}

export function recordingChanged(ctx: CentreContext, call: CallState, segment: number, status: 'recording' | 'paused' | 'done' | 'failed', error?: string): void {
  const now = ctx.now();
  if (status === 'failed') failed(call.id, now, error ?? 'unknown');
  ctx.d.calls.recordingChanged(recordingId(call.id, segment), { status, ...(status === 'done' || status === 'failed' ? { ended_at: now } : {}), ...(error ? { error } : {}) });
  if (status === 'done') ctx.d.transcription?.recordingDone({ id: recordingId(call.id, segment), callId: call.id, mode: transcriptionOf(ctx, call) });
}

/** Deletes the files whose retention has run out; returns how many. */
export async function sweepRecordings(calls: CallStore, dir: string, now: number, log: Logger): Promise<number> {
  let deleted = 0;
  for (const r of await calls.expiredRecordings(now)) {
    try {
      await unlink(path.join(dir, r.file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        log.warn({ recording: r.id, file: r.file, err: (err as Error).message }, 'expired recording could not be deleted');
        continue;
      }
    }
    calls.recordingChanged(r.id, { status: 'deleted', deleted_at: now });
    log.info({ recording: r.id, callId: r.call_id, file: r.file, queueId: r.queue_id, expiredAt: new Date(r.expires_at!).toISOString() }, 'recording deleted: retention over');
    deleted++;
  }
  return deleted;
}

/** /healthz: degraded for 15 minutes after a recording could not be written, with its error. */
export function recordingsHealth(now: number): { name: string; up: boolean; detail?: string } {
  const last = recordingHealth.last;
  const recent = last !== undefined && now - last.at < 15 * 60_000;
  return { name: 'recordings', up: !recent, ...(recent ? { detail: `${recordingHealth.failures} failed since start; last: ${last.error} (call ${last.callId})` } : {}) };
}
