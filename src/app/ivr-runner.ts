/**
 * Runs an IVR flow (the pure session of src/core/ivr) on an answered call:
 * prompts become FreeSWITCH playback, digit collection becomes
 * play_and_get_digits, and the session's route comes back as the call's next
 * target with the variables collected on the way.
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import { IvrSession, type IvrAction, type IvrInput, type IvrRouteTargetAction } from '../core/ivr/index.js';
import type { IvrFlow } from '../config/ivr-schema.js';
import type { Target } from '../config/schema.js';
import type { Endpoint } from '../media/media-server.js';
import { fileString } from './announcements.js';

export interface IvrCall {
  id: string;
  callerNumber: string;
  did: string;
  leg: { ep: Endpoint; dialog: Srf.Dialog };
}

/** FreeSWITCH here has no text-to-speech module: `say:` prompts are skipped (and logged once per flow). */
function playable(prompts: string[], log: Logger, flow: string): string | undefined {
  const files = prompts.filter((p) => !p.startsWith('say:'));
  if (files.length < prompts.length) log.warn({ flow, skipped: prompts.filter((p) => p.startsWith('say:')) }, 'text-to-speech prompts are not supported; skipped');
  return files.length ? fileString(files, '${sounds_dir}') : undefined;
}

export function toTarget(t: IvrRouteTargetAction): Target {
  if ('hangup' in t) return { hangup: t.cause ?? true };
  return t;
}

export async function runIvr(
  flowName: string,
  flow: IvrFlow,
  call: IvrCall,
  trace: (step: string, detail: Record<string, unknown>) => void,
  log: Logger,
): Promise<{ target: Target; variables: Record<string, string> } | undefined> {
  const session = new IvrSession(flow);
  let hungUp = false;
  const onHangup = () => (hungUp = true);
  call.leg.dialog.once('destroy', onHangup);
  try {
    let actions: IvrAction[] = session.handle({ type: 'start', now: Date.now(), caller: call.callerNumber, did: call.did });
    for (;;) {
      let input: IvrInput | undefined;
      for (const a of actions) {
        if (a.type === 'trace') trace(a.step, a.detail);
        else if (a.type === 'route') return { target: toTarget(a.target), variables: a.variables };
        else if (a.type === 'play') {
          const file = playable(a.prompts, log, flowName);
          if (file) await call.leg.ep.play(file).catch(() => undefined);
          input = { type: 'prompt-done' };
        } else {
          const file = playable(a.prompts, log, flowName) ?? 'silence_stream://250';
          const r = await call.leg.ep
            .playCollect({
              file,
              min: Math.min(1, a.min),
              max: a.max,
              tries: 1,
              timeout: a.timeoutMs,
              digitTimeout: a.interDigitTimeoutMs,
              terminators: a.terminator || 'none',
              invalidFile: 'silence_stream://10',
              regexp: '[0-9*#]+',
            })
            .catch(() => ({ digits: undefined }));
          const digits = r.digits ?? '';
          input = digits ? { type: 'digits', digits } : { type: 'timeout' };
        }
      }
      if (hungUp) {
        session.handle({ type: 'hangup' });
        return undefined;
      }
      if (!input || session.done) return undefined;
      actions = session.handle(input);
    }
  } finally {
    call.leg.dialog.off('destroy', onHangup);
  }
}
