/** Small media actions on a FreeSWITCH endpoint, with the quirks handled in one place. */
import type { Endpoint } from './media-server.js';

/** Stops whatever the endpoint is playing (hold music) so the next prompt starts at once. */
export async function stopPlayback(ep: Endpoint): Promise<void> {
  await ep.api('uuid_break', `${ep.uuid} all`).catch(() => undefined);
}

/** A short record tone (1 kHz, 400 ms). */
export const RECORD_TONE = 'tone_stream://%(400,0,1000)';

/**
 * Records what the caller says into `file` (a path as FreeSWITCH sees it;
 * `${recordings_dir}` is expanded by FreeSWITCH) until hang-up, `maxSec`, or
 * `silenceSec` of silence. Resolves when recording stops.
 */
export async function record(ep: Endpoint, file: string, maxSec: number, silenceSec = 5): Promise<void> {
  await ep.set({ RECORD_HANGUP_ON_ERROR: 'false', playback_terminators: 'none' }).catch(() => undefined);
  // record <path> <time limit s> <silence threshold> <silence hits s>
  await ep.execute('record', `${file} ${Math.round(maxSec)} 200 ${Math.round(silenceSec)}`);
}
