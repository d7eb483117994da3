/**
 * FreeSWITCH actions on a live call's media legs, each one API command (or
 * two) over the leg's own Event Socket connection. The live call
 * (src/core/call/live-call.ts) decides; this only carries it out.
 */
import type { Endpoint } from './media-server.js';

/** Runs an API command on the leg's connection; its reply, or an error with FreeSWITCH's words when it says -ERR. */
export async function api(ep: Endpoint, command: string, args: string): Promise<string> {
  const evt = (await ep.api(command, args)) as { getBody?: () => string } | string | undefined;
  const body = typeof evt === 'string' ? evt : (evt?.getBody?.() ?? '');
  if (body.startsWith('-')) throw new Error(`${command}: ${body.trim()}`);
  return body;
}

/** Breaks the leg's bridge (both legs park) and plays hold music to it until the next action. */
export async function holdMusic(ep: Endpoint, source: string): Promise<void> {
  await api(ep, 'uuid_transfer', `${ep.uuid} -both park inline`);
  // endless_playback repeats a file; a local_stream never ends anyway. Settles when broken.
  void ep.execute('endless_playback', source).catch(() => undefined);
}

/** Stops whatever the leg hears (music, a prompt): silence. */
export async function silence(ep: Endpoint): Promise<void> {
  await api(ep, 'uuid_break', `${ep.uuid} all`).catch(() => undefined);
}

/** Takes the leg out of any bridge and plays `file` from its start; resolves when it has played. */
export async function playAlone(ep: Endpoint, file: string): Promise<void> {
  await api(ep, 'uuid_transfer', `${ep.uuid} park inline`);
  await ep.play(file);
}

/** Bridges two legs (whatever either heard stops). */
export async function bridge(a: Endpoint, b: Endpoint): Promise<void> {
  await silence(a);
  await a.bridge(b);
}

/** Silences what FreeSWITCH reads from the leg (the agent's voice), for every phone alike. */
export async function mute(ep: Endpoint, on: boolean): Promise<void> {
  await api(ep, 'uuid_audio', on ? `${ep.uuid} start read mute 1` : `${ep.uuid} stop`);
}

/** RFC 2833 digits towards the leg's phone. */
export async function sendDtmf(ep: Endpoint, digits: string): Promise<void> {
  await api(ep, 'uuid_send_dtmf', `${ep.uuid} ${digits}`);
}

/**
 * Two-channel WAV of the leg: left what FreeSWITCH reads from it (the
 * customer), right what it sends to it (the agent, or hold music). `mask`
 * writes silence while paused. `path` is absolute, as FreeSWITCH sees it.
 */
export async function recordLeg(ep: Endpoint, op: 'start' | 'pause' | 'resume' | 'stop', path: string): Promise<void> {
  const action = { start: 'start', pause: 'mask', resume: 'unmask', stop: 'stop' }[op];
  await api(ep, 'uuid_record', op === 'start' ? `${ep.uuid} start ${path} 0 {RECORD_STEREO=true}` : `${ep.uuid} ${action} ${path}`);
}
