/**
 * FreeSWITCH actions on a live call's media legs. Each is one or two API
 * commands over the daemon's Event Socket; only a prompt that must be awaited
 * to its end runs as an application on the leg (legs.ts). The live call
 * (src/core/call/live-call.ts) decides; this only carries it out.
 */
import type { Endpoint } from './media-server.js';

/** Runs one API command (`uuid_break <uuid> all`) and returns FreeSWITCH's reply. */
export type Api = (command: string) => Promise<string>;

/** The command's reply, or an error with FreeSWITCH's words when it says -ERR. */
async function ok(api: Api, command: string): Promise<string> {
  const body = await api(command);
  if (body.startsWith('-')) throw new Error(`${command.split(' ')[0]}: ${body.trim()}`);
  return body;
}

/**
 * Hold, keeping the bridge: what FreeSWITCH sends to the leg is displaced by
 * the music (looped), and what it reads from the leg is silenced, so the
 * partner hears nothing. Two media bugs, effective at the next 20 ms frame;
 * no re-bridging, no re-INVITE, the recording goes on.
 */
export async function holdMusic(api: Api, uuid: string, source: string): Promise<void> {
  // Independent bugs: both at once (each command is a FreeSWITCH background job).
  await Promise.all([ok(api, `uuid_audio ${uuid} start read mute 1`), ok(api, `uuid_displace ${uuid} start ${source} 0 l`)]);
}

/** Ends a hold: the music off the leg, its voice back to the partner. */
export async function resumeBridge(api: Api, uuid: string, source: string): Promise<void> {
  await Promise.all([ok(api, `uuid_displace ${uuid} stop ${source}`), ok(api, `uuid_audio ${uuid} stop`)]);
}

/** Stops whatever the leg hears (music, a prompt): silence. */
export async function silence(api: Api, uuid: string): Promise<void> {
  await api(`uuid_break ${uuid} all`).catch(() => undefined);
}

/**
 * Takes the leg out of any bridge and plays `file` from its start; resolves
 * when it has played. The leg is parked first: a playback sent while the
 * transfer is still being carried out is broken off by it.
 */
export async function playAlone(api: Api, ep: Endpoint, file: string): Promise<void> {
  await park(api, ep.uuid);
  await ep.play(file);
}

/**
 * Waits until FreeSWITCH's media bridge of the two legs runs; false after
 * `timeoutMs`. Started before the command that bridges them.
 */
export type BridgeWatch = (a: string, b: string, timeoutMs: number) => Promise<boolean>;

/**
 * Bridges two legs (whatever either heard stops: the transfer ends it), and answers once
 * FreeSWITCH's media bridge runs, asking once more if it did not take.
 * uuid_bridge only starts a transfer: a leg moved out of another bridge whose
 * old partner was hung up before the move finished was parked
 * (park_after_bridge) in about one attended transfer in five, leaving
 * customer and colleague in silence; the live call's next command (that
 * hang-up) now waits for this. The bridge is seen starting by its
 * CHANNEL_BRIDGE event (`started`), not by asking `bridge_to` over and over:
 * each question is a background job, a thread in FreeSWITCH, and under load
 * those questions multiplied as bridges slowed.
 */
export async function bridge(api: Api, a: string, b: string, started: BridgeWatch): Promise<void> {
  // No uuid_break first: uuid_bridge's transfer ends whatever either leg was running (music, a prompt), and each
  // command costs FreeSWITCH a thread and a byte-at-a-time read.
  for (let attempt = 0; ; attempt++) {
    const running = started(a, b, 1_000);
    await ok(api, `uuid_bridge ${a} ${b}`);
    if (await running) return;
    // No event seen (a lost event, a reconnection): FreeSWITCH's own word, once.
    const [ab, ba] = await Promise.all([api(`uuid_getvar ${a} bridge_to`), api(`uuid_getvar ${b} bridge_to`)]);
    if (ab.trim() === b && ba.trim() === a) return;
    if (attempt >= 1) throw new Error(`legs ${a} and ${b} did not bridge`);
  }
}

/** Silences what FreeSWITCH reads from the leg (the agent's voice), for every phone alike. */
export async function mute(api: Api, uuid: string, on: boolean): Promise<void> {
  await ok(api, on ? `uuid_audio ${uuid} start read mute 1` : `uuid_audio ${uuid} stop`);
}

/** Digits the leg's applications receive as if its phone had sent them (an IVR flow on a leg of its own). */
export async function receiveDtmf(api: Api, uuid: string, digits: string): Promise<void> {
  await ok(api, `uuid_recv_dtmf ${uuid} ${digits}`);
}

/** RFC 2833 digits towards the leg's phone. */
export async function sendDtmf(api: Api, uuid: string, digits: string): Promise<void> {
  await ok(api, `uuid_send_dtmf ${uuid} ${digits}`);
}

/**
 * Two-channel WAV of the leg: left what FreeSWITCH reads from it (the
 * customer), right what it sends to it (the agent, or hold music). `mask`
 * writes silence while paused. `path` is absolute, as FreeSWITCH sees it.
 */
export async function recordLeg(api: Api, uuid: string, op: 'start' | 'pause' | 'resume' | 'stop', path: string): Promise<void> {
  const action = { start: 'start', pause: 'mask', resume: 'unmask', stop: 'stop' }[op];
  await ok(api, op === 'start' ? `uuid_record ${uuid} start ${path} 0 {RECORD_STEREO=true}` : `uuid_record ${uuid} ${action} ${path}`);
}

/**
 * Music to a leg that is in no bridge (parked, or taken out of a conference):
 * the leg's dialplan becomes the music, then park, so whatever comes next
 * (a bridge, the conference, silence) simply replaces it. `^` separates the
 * inline applications: music sources carry commas (tone_stream).
 */
export async function musicAlone(api: Api, uuid: string, source: string): Promise<void> {
  // A transfer is carried out later, on the channel's own thread: the next command (a bridge) must not race it,
  // so this answers once the new dialplan runs (its first step marks the channel).
  const mark = `m${++marks}`;
  await ok(api, `uuid_transfer ${uuid} m:^:set:cc_music=${mark}^playback:${source}^park inline`);
  await until(api, uuid, 'cc_music', mark, 'playback');
}

let marks = 0;

/**
 * Waits (up to `timeoutMs`) until the channel's variable has the value (set
 * by the first step of its new dialplan) and the application `app` runs:
 * FreeSWITCH loses a bridge asked of a channel between two applications.
 */
async function until(api: Api, uuid: string, variable: string, value: string, app: string, timeoutMs = 1_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [v, running] = await Promise.all([api(`uuid_getvar ${uuid} ${variable}`), api(`uuid_getvar ${uuid} current_application`)]);
    if (v.trim() === value && running.trim() === app) return;
    if (Date.now() > deadline) throw new Error(`leg ${uuid}: not running ${app} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Takes a leg out of its bridge or conference: parked, hearing nothing (answers once it is parked). */
export async function park(api: Api, uuid: string): Promise<void> {
  const mark = `p${++marks}`;
  await ok(api, `uuid_transfer ${uuid} m:^:set:cc_parked=${mark}^park inline`);
  await until(api, uuid, 'cc_parked', mark, 'park');
}

/** The conference's name for a call: one per call, in the `default` profile (freeswitch-conf/autoload_configs/conference.conf.xml). */
export function conferenceName(callId: string): string {
  return `cc-${callId}`;
}

/**
 * Puts a leg into the call's conference and answers its member id once
 * FreeSWITCH has it (the transfer is carried out on the channel's own thread).
 */
export async function joinConference(api: Api, uuid: string, name: string, timeoutMs = 2_000): Promise<string> {
  // The channel keeps its member id across conferences: cleared, so that only this join's is read.
  await ok(api, `uuid_setvar ${uuid} conference_member_id`);
  let sent = Date.now();
  await ok(api, `uuid_transfer ${uuid} conference:${name}@default inline`);
  const deadline = sent + timeoutMs;
  for (;;) {
    const id = (await api(`uuid_getvar ${uuid} conference_member_id`)).trim();
    if (/^[0-9]+$/.test(id)) return id;
    if (Date.now() > deadline) throw new Error(`leg ${uuid} did not join conference ${name}`);
    // A leg whose bridge partner was just moved can be parked by the bridge's end after our transfer: once more.
    if (Date.now() - sent > 500) {
      sent = Date.now();
      await ok(api, `uuid_transfer ${uuid} conference:${name}@default inline`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Heard by nobody in the conference, or heard again. */
export async function conferenceMute(api: Api, name: string, memberId: string, on: boolean): Promise<void> {
  await ok(api, `conference ${name} ${on ? 'mute' : 'unmute'} ${memberId}`);
}

/** `speaker` is not heard by `listener` (nospeak), or heard again (clear). */
export async function conferenceRelate(api: Api, name: string, speaker: string, listener: string, heard: boolean): Promise<void> {
  await ok(api, `conference ${name} relate ${speaker} ${listener} ${heard ? 'clear' : 'nospeak'}`);
}
