/**
 * Media legs on FreeSWITCH, all driven over the daemon's one Event Socket
 * connection (esl-lite), none with a connection of its own.
 *
 * ```
 *  daemon --INVITE (SDP, X-CC-Leg)--> FreeSWITCH (context mrf: set vars inline,
 *     answer, park) --200 OK (SDP, X-CC-Leg-Uuid: <channel uuid>)--> daemon
 *  daemon --sendmsg <uuid> execute playback ... / bgapi uuid_bridge ...--> FreeSWITCH
 *     (one connection) <--CHANNEL_EXECUTE_COMPLETE (Application-UUID)--
 *  daemon --BYE--> FreeSWITCH: the leg hangs up
 * ```
 *
 * drachtio-fsmrf's endpoints are handed to the application by FreeSWITCH's
 * `socket` application: one outbound Event Socket connection per leg, whose
 * thread in FreeSWITCH wakes every 20 ms for the life of the call and reads
 * each command one byte at a time, and whose leg's events are serialised
 * twice (for the leg and for the daemon). On a 2-core machine that cost more
 * than the legs' media, and set-ups queued behind it until fsmrf's 4 s
 * timeout. These legs do what the platform used of fsmrf's endpoints (play,
 * collect digits, record, set variables, bridge, hang up); fsmrf still finds
 * the media profile's SIP address (`sofia status`) and watches FreeSWITCH.
 */
import type Srf from 'drachtio-srf';
import type { EventSocket } from './event-socket.js';

/** The header that sends an INVITE to the media-leg extension (dialplans/mrf.xml), and the one its 200 OK names the channel in. */
export const LEG_HEADER = 'X-CC-Leg';
export const LEG_UUID_HEADER = 'X-CC-Leg-Uuid';

export interface PlayCollectOptions {
  file: string;
  min?: number;
  max?: number;
  tries?: number;
  timeout?: number;
  digitTimeout?: number;
  terminators?: string;
  invalidFile?: string;
  regexp?: string;
}

/** What the platform does with a media leg. */
export interface Endpoint {
  readonly uuid: string;
  readonly local: { sdp: string };
  readonly remote: { sdp: string };
  readonly dialog: Srf.Dialog;
  readonly connected: boolean;
  /** Plays a file (or several, in turn); resolves when it has played or was broken off. */
  play(file: string | string[]): Promise<void>;
  /** Runs an application on the leg; resolves with its CHANNEL_EXECUTE_COMPLETE event's headers. */
  execute(app: string, arg?: string): Promise<Record<string, unknown>>;
  /** An API command about the leg (`api('uuid_break', uuid)`). */
  api(command: string, args?: string): Promise<string>;
  set(vars: Record<string, string>): Promise<void>;
  bridge(other: Endpoint): Promise<void>;
  playCollect(opts: PlayCollectOptions): Promise<{ digits?: string }>;
  /** Hangs the leg up (a BYE to FreeSWITCH). */
  destroy(): Promise<void>;
}

/** Longest an application may run (hold music runs until broken off): setTimeout's limit. */
const FOREVER_MS = 2 ** 31 - 1;

export class Leg implements Endpoint {
  private up = true;
  readonly local: { sdp: string };
  readonly remote: { sdp: string };

  constructor(
    readonly uuid: string,
    readonly dialog: Srf.Dialog,
    private readonly esl: EventSocket,
  ) {
    // Our INVITE's SDP is what FreeSWITCH talks to (the device); its answer is the leg's own.
    this.local = { sdp: dialog.remote.sdp };
    this.remote = { sdp: dialog.local.sdp };
    dialog.once('destroy', () => (this.up = false));
  }

  get connected(): boolean {
    return this.up;
  }

  async execute(app: string, arg = ''): Promise<Record<string, unknown>> {
    return this.esl.execute(this.uuid, app, arg, FOREVER_MS);
  }

  async play(file: string | string[]): Promise<void> {
    // Several files are joined with the leg's playback_delimiter (set for every leg in dialplans/mrf.xml).
    const ev = await this.execute('playback', Array.isArray(file) ? file.join('!') : file);
    if (ev['Application-Response'] === 'FILE NOT FOUND') throw new Error('File Not Found');
  }

  async playCollect(opts: PlayCollectOptions): Promise<{ digits?: string }> {
    const varName = 'cc_digits';
    const args = [
      opts.min ?? 0,
      opts.max ?? 128,
      opts.tries ?? 1,
      opts.timeout ?? 120_000,
      opts.terminators ?? '#',
      opts.file,
      opts.invalidFile ?? 'silence_stream://250',
      varName,
      opts.regexp ?? '\\d+',
      opts.digitTimeout ?? 8_000,
    ];
    const ev = await this.execute('play_and_get_digits', args.join(' '));
    const digits = ev[`variable_${varName}`];
    return typeof digits === 'string' && digits !== '' ? { digits } : {};
  }

  async api(command: string, args?: string): Promise<string> {
    return this.esl.api(args ? `${command} ${args}` : command);
  }

  async set(vars: Record<string, string>): Promise<void> {
    const list = Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(';');
    const reply = await this.esl.api(`uuid_setvar_multi ${this.uuid} ${list}`);
    if (reply.startsWith('-')) throw new Error(`uuid_setvar_multi: ${reply.trim()}`);
  }

  async bridge(other: Endpoint): Promise<void> {
    const reply = await this.esl.api(`uuid_bridge ${this.uuid} ${other.uuid}`);
    if (reply.startsWith('-')) throw new Error(`uuid_bridge: ${reply.trim()}`);
  }

  async destroy(): Promise<void> {
    if (!this.up) return;
    this.up = false;
    await this.dialog.destroy();
  }

  /**
   * Resolves once the leg's media is up and it waits, parked: a DTLS-SRTP leg
   * (a WebRTC softphone) is answered at once but parks only after its
   * handshake with the browser. Rejects after `timeoutMs`.
   */
  async parked(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const app = (await this.esl.api(`uuid_getvar ${this.uuid} current_application`).catch(() => '')).trim();
      if (app === 'park') return;
      if (!this.up || Date.now() > deadline) throw new Error('FreeSWITCH did not bring the secure leg up (DTLS handshake?)');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Creates a media leg towards `sdp` (the device's offer): FreeSWITCH's 200 OK
 * carries its answer and names the channel.
 */
export async function createLeg(srf: Srf, esl: EventSocket, address: string, sdp: string): Promise<Leg> {
  const dialog = await srf.createUAC(`sip:leg@${address}`, { localSdp: sdp, headers: { [LEG_HEADER]: 'yes' } });
  const uuid = (dialog as unknown as { res?: { get(name: string): string | undefined } }).res?.get(LEG_UUID_HEADER);
  if (!uuid) {
    void dialog.destroy();
    throw new Error(`FreeSWITCH's answer names no channel (${LEG_UUID_HEADER}; dialplans/mrf.xml)`);
  }
  return new Leg(uuid, dialog, esl);
}
