/**
 * The daemon's own Event Socket connections to FreeSWITCH (esl-lite): health
 * probing, the channel events the platform records (RTP counters at
 * hang-up), and bridges starting (CHANNEL_BRIDGE, awaited by
 * {@link EventSocket.bridgeStarted}). esl-lite reconnects by itself and
 * re-queues commands; a cheap periodic `status` tells whether FreeSWITCH is
 * really answering. API commands go over four more connections
 * ({@link EventSocket.api}).
 *
 * Applications run on the media legs over the main connection too
 * ({@link EventSocket.execute}, for src/media/legs.ts), answered by their
 * CHANNEL_EXECUTE_COMPLETE events. FreeSWITCH serialises every event it
 * sends here to JSON with all of the channel's variables: esl-lite's
 * default subscription to every CUSTOM event (each phone's registration, each
 * conference's chatter) is not asked for.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { FreeSwitchClient, FreeSwitchEventEmitter } from 'esl-lite';
import type { Logger } from 'pino';

export interface ChannelStats {
  uuid: string;
  hangupCause?: string;
  rtpInPackets: number;
  rtpOutPackets: number;
}

export interface EventSocketEvents {
  up: [];
  down: [reason: string];
  'channel-stats': [stats: ChannelStats];
}

/**
 * What FreeSWITCH may send here at all (an event passes if it matches any):
 * CHANNEL_EXECUTE_COMPLETE only for the applications the daemon ran, whose
 * Application-UUID esl-lite makes a ULID (26 Crockford base-32 characters;
 * FreeSWITCH's own are hex with dashes). The dialplan's answer and park on
 * every leg are not serialised for nothing.
 */
const FILTERS = [
  'Event-Name CHANNEL_HANGUP_COMPLETE',
  'Event-Name CHANNEL_BRIDGE',
  'Application-UUID /^[0-9A-HJKMNP-TV-Z]{26}$/',
];

/**
 * FreeSWITCH sends every background job's result to every connection that
 * subscribes to BACKGROUND_JOB. Each connection names its jobs with its own
 * prefix (this process's, then the connection's) and lets only those through.
 */
const PROCESS_TAG = randomBytes(4).toString('hex');
const jobFilter = (tag: string) => `Job-UUID /^${tag}-/`;

type JobResult = Awaited<ReturnType<FreeSwitchClient['bgapi']>>;

/** esl-lite internals (3.2.x, pinned): its subscribing, and its command queue. */
interface EslLiteInternals {
  registeredEventNames?: Set<string>;
  event_json(event: string): void;
  queue: { enqueue(item: { queued: number; buf: Buffer; resolve: () => boolean }): void };
  sendNextCommand(): void;
  send(command: string, headers: Record<string, string>, body: undefined, timeoutMs: number): Promise<Exclude<JobResult, { body: unknown }> | object>;
  awaitBackgroundJob(jobUuid: string, timeoutMs: number, signal: FreeSwitchEventEmitter<'abort', { abort: (arg: undefined) => void }>): Promise<JobResult>;
}

/**
 * esl-lite's bgapi, with the Job-UUID chosen here (`tag`, then a counter)
 * instead of a random one, so that the connection's filter can pick out its
 * own jobs' results. FreeSWITCH keeps at most 36 characters of it.
 */
function taggedBgapi(client: FreeSwitchClient, tag: string): (command: string, timeoutMs: number) => Promise<JobResult> {
  const lite = client as unknown as EslLiteInternals;
  let seq = 0;
  return async (command, timeoutMs) => {
    seq = (seq + 1) % Number.MAX_SAFE_INTEGER;
    const jobUuid = `${tag}-${seq.toString(36)}`;
    const signal = new FreeSwitchEventEmitter<'abort', { abort: (arg: undefined) => void }>();
    const result = lite.awaitBackgroundJob(jobUuid, timeoutMs, signal);
    const sent = await lite.send(`bgapi ${command}`, { 'job-uuid': jobUuid }, undefined, timeoutMs);
    if (sent instanceof Error) {
      signal.emit('abort', undefined);
      return sent as Exclude<JobResult, { body: unknown }>;
    }
    return await result;
  };
}

type Bgapi = ReturnType<typeof taggedBgapi>;

/**
 * An esl-lite client that subscribes to `events` only (it always adds
 * BACKGROUND_JOB, for its jobs) and, on every (re)connection, asks
 * FreeSWITCH to filter to `filters` and to the results of its own jobs,
 * which `bgapi` names with `tag`. esl-lite subscribes to its set when it
 * connects, on the next tick; BACKGROUND_JOB is always among them, so the
 * filters follow it.
 */
function eslClient(opts: { host: string; port: number; password: string }, log: Logger, events: string[], filters: string[], tag: string): { client: FreeSwitchClient; bgapi: Bgapi } {
  const all = [...filters, jobFilter(tag)];
  // esl-lite logs every reconnect attempt at error level; the probe reports the state once instead.
  const client = new FreeSwitchClient({ ...opts, logger: log.child({ component: 'esl' }, { level: 'fatal' }) });
  const lite = client as unknown as EslLiteInternals;
  lite.registeredEventNames?.clear();
  for (const e of ['BACKGROUND_JOB', ...events]) lite.registeredEventNames?.add(e);
  const subscribe = lite.event_json.bind(lite);
  lite.event_json = (event: string) => {
    subscribe(event);
    if (event !== 'BACKGROUND_JOB') return;
    for (const f of all) lite.queue.enqueue({ queued: performance.now(), buf: Buffer.from(`filter ${f}\n\n`), resolve: () => true });
    lite.sendNextCommand();
  };
  return { client, bgapi: taggedBgapi(client, tag) };
}

/**
 * API commands go over a few more connections, least busy first: FreeSWITCH
 * reads a connection's commands one byte at a time, yielding the CPU after
 * each, and writes out the events queued for it in between, so under load one
 * connection held commands back for seconds (esl-lite sends the next only
 * once the last is answered).
 */
const COMMAND_CONNECTIONS = 4;

function pairKey(a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}

export class EventSocket extends EventEmitter<EventSocketEvents> {
  readonly client: FreeSwitchClient;
  private timer?: NodeJS.Timeout;
  up = false;
  lastError = 'not connected yet';
  private readonly bridgeWaiters = new Map<string, Set<() => void>>();
  private readonly commands: { client: FreeSwitchClient; bgapi: Bgapi; busy: number }[];
  private readonly probeBgapi: Bgapi;

  constructor(
    opts: { host: string; port: number; password: string },
    private readonly log: Logger,
    private readonly probeMs = 2_000,
  ) {
    super();
    // Each call adopted after a restart listens for its own channels' end: hundreds of listeners are normal.
    this.setMaxListeners(0);
    const main = eslClient(opts, log, ['CHANNEL_EXECUTE_COMPLETE'], FILTERS, `${PROCESS_TAG}m`);
    this.client = main.client;
    this.probeBgapi = main.bgapi;
    this.commands = Array.from({ length: COMMAND_CONNECTIONS }, (_, i) => ({ ...eslClient(opts, log, [], [], `${PROCESS_TAG}${i}`), busy: 0 }));
    this.client.on('CHANNEL_BRIDGE', (ev) => {
      const d = ev.body.data;
      const waiters = this.bridgeWaiters.get(pairKey(String(d['Bridge-A-Unique-ID'] ?? ''), String(d['Bridge-B-Unique-ID'] ?? '')));
      if (waiters) for (const w of [...waiters]) w();
    });
    this.client.on('CHANNEL_HANGUP_COMPLETE', (ev) => {
      const d = ev.body.data;
      const num = (k: string) => Number(d[k] ?? 0) || 0;
      this.emit('channel-stats', {
        uuid: String(d['Unique-ID'] ?? ''),
        hangupCause: d['Hangup-Cause'] as string | undefined,
        rtpInPackets: num('variable_rtp_audio_in_media_packet_count'),
        rtpOutPackets: num('variable_rtp_audio_out_media_packet_count'),
      });
    });
  }

  start(): void {
    const probe = async () => {
      const res = await this.probeBgapi('status', this.probeMs);
      const ok = !(res instanceof Error);
      if (ok && !this.up) {
        this.up = true;
        this.log.info('FreeSWITCH Event Socket is up');
        this.emit('up');
      } else if (!ok) {
        this.lastError = res.message;
        if (this.up) {
          this.up = false;
          this.log.warn({ reason: res.message }, 'FreeSWITCH Event Socket is down; retrying');
          this.emit('down', res.message);
        }
      }
      if (this.timer !== undefined) this.timer = setTimeout(probe, this.probeMs);
    };
    this.timer = setTimeout(probe, 0);
  }

  /**
   * Resolves true once FreeSWITCH's media bridge of the two legs runs (its
   * CHANNEL_BRIDGE event, either way round), false after `timeoutMs`. Ask
   * before sending the command that bridges them.
   */
  bridgeStarted(a: string, b: string, timeoutMs: number): Promise<boolean> {
    const key = pairKey(a, b);
    return new Promise((resolve) => {
      const waiters = this.bridgeWaiters.get(key) ?? new Set();
      this.bridgeWaiters.set(key, waiters);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        waiters.delete(settle);
        if (waiters.size === 0 && this.bridgeWaiters.get(key) === waiters) this.bridgeWaiters.delete(key);
        resolve(ok);
      };
      const settle = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      waiters.add(settle);
    });
  }

  /** Runs an application on a channel and answers its CHANNEL_EXECUTE_COMPLETE event's headers. */
  async execute(uuid: string, app: string, arg: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const res = await this.client.command_uuid(uuid, app, arg, timeoutMs);
    if (res instanceof Error) throw res;
    return res.body.data as Record<string, unknown>;
  }

  async api(command: string, timeoutMs = 2_000): Promise<string> {
    const c = this.commands.reduce((a, b) => (b.busy < a.busy ? b : a));
    c.busy++;
    try {
      const res = await c.bgapi(command, timeoutMs);
      if (res instanceof Error) throw res;
      return String(res.body.response ?? '');
    } finally {
      c.busy--;
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.client.end();
    for (const c of this.commands) c.client.end();
  }
}
