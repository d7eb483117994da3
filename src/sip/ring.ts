/**
 * Rings SIP targets: one INVITE to each at once (an agent's registered
 * devices, or a customer's number), the first to answer wins and the others
 * are cancelled.
 *
 * The INVITE carries no SDP (late offer): it can leave the moment the router
 * decides, with no media-server round trip in front of it. The device's 200 OK
 * carries its offer; the caller of {@link ringAgent} builds the media leg from
 * it and completes the ACK with FreeSWITCH's answer.
 *
 * ```
 *  ringing --first 200--> answered (others CANCELled)
 *     |--cancel()-------> cancelled (CANCEL to every fork)
 *     '--all forks fail--> failed (busy | declined | unreachable)
 * ```
 */
import type Srf from 'drachtio-srf';
import type { Binding } from './location.js';
import { natProxyFor } from './registrar.js';

export interface RingTarget {
  uri: string;
  /** Where to send the INVITE when it is not the URI's host (a device behind NAT). */
  proxy?: string;
  /** Credentials for a challenge (a trunk that authenticates us). */
  auth?: { username: string; password: string };
}

export function targetsOf(bindings: Binding[]): RingTarget[] {
  return bindings.map((b) => {
    const proxy = natProxyFor(b);
    return { uri: b.contact, ...(proxy ? { proxy } : {}) };
  });
}

export interface AnsweredOffer {
  /** The device's SDP offer from its 200 OK. */
  sdp: string;
  /** Sends the ACK with our answer and yields the confirmed dialog. */
  ack(localSdp: string): Promise<Srf.Dialog>;
  /** Releases an answered leg we no longer want (ACK + BYE). */
  destroy(): Promise<void>;
  contact: string;
  /** Where the INVITE was sent when not to the contact's host (NAT, WebSocket). */
  proxy?: string;
}

export type OfferOutcome =
  | { kind: 'answered'; answer: AnsweredOffer }
  | { kind: 'failed'; reason: 'busy' | 'declined' | 'unreachable'; status?: number }
  | { kind: 'cancelled' };

export interface RingingOffer {
  /** Settles once: answered, failed or cancelled. */
  readonly outcome: Promise<OfferOutcome>;
  /** Resolves when the first INVITE has been handed to drachtio (for latency figures). */
  readonly sent: Promise<number>;
  cancel(): void;
}

interface Fork {
  req?: Srf.SrfRequest;
  done: boolean;
}

export function ring(
  srf: Srf,
  targets: RingTarget[],
  headers: Record<string, string>,
  clock: () => number = () => performance.timeOrigin + performance.now(),
): RingingOffer {
  let settled = false;
  let cancelled = false;
  let resolveOutcome!: (o: OfferOutcome) => void;
  let resolveSent!: (t: number) => void;
  const outcome = new Promise<OfferOutcome>((r) => (resolveOutcome = r));
  const sent = new Promise<number>((r) => (resolveSent = r));
  const forks: Fork[] = targets.map(() => ({ done: false }));
  const failures: number[] = [];

  const settle = (o: OfferOutcome) => {
    if (settled) return;
    settled = true;
    resolveOutcome(o);
  };
  const cancelOthers = (except?: Fork) => {
    for (const f of forks) {
      if (f === except || f.done || !f.req) continue;
      f.done = true;
      try {
        f.req.cancel(() => undefined);
      } catch {
        // the fork finished between our check and the CANCEL: nothing to cancel
      }
    }
  };

  if (targets.length === 0) settle({ kind: 'failed', reason: 'unreachable' });

  targets.forEach((target, i) => {
    const fork = forks[i]!;
    srf
      .createUAC(
        target.uri,
        { headers, noAck: true, ...(target.proxy ? { proxy: target.proxy } : {}), ...(target.auth ? { auth: target.auth } : {}) } as unknown as Srf.CreateUACOptions,
        {
          // drachtio-srf calls it as (err, req), whatever its type declaration says.
          cbRequest: ((err: unknown, req?: Srf.SrfRequest) => {
            if (err || !req) return;
            fork.req = req;
            resolveSent(clock());
            // cancel() may have been called before drachtio handed us the request.
            if (cancelled) {
              fork.done = true;
              req.cancel(() => undefined);
            }
          }) as unknown as (req: Srf.SrfRequest) => void,
        },
      )
      .then((r: unknown) => {
        fork.done = true;
        const three = r as { sdp: string; ack(sdp: string): Promise<Srf.Dialog>; destroy(): Promise<void> };
        if (settled) {
          // A second device answered too late, or we were cancelled: release it.
          void three.destroy();
          return;
        }
        cancelOthers(fork);
        settle({ kind: 'answered', answer: { sdp: three.sdp, ack: (s) => three.ack(s), destroy: () => three.destroy(), contact: target.uri, ...(target.proxy ? { proxy: target.proxy } : {}) } });
      })
      .catch((err: { status?: number }) => {
        fork.done = true;
        failures.push(err.status ?? 0);
        if (failures.length < targets.length) return;
        if (cancelled) return settle({ kind: 'cancelled' });
        settle({ kind: 'failed', ...classify(failures) });
      });
  });

  return {
    outcome,
    sent,
    cancel() {
      if (settled) return;
      cancelled = true;
      cancelOthers();
      settle({ kind: 'cancelled' });
    },
  };
}

/** Busy beats declined beats unreachable: the most telling answer from any device. */
function classify(statuses: number[]): { reason: 'busy' | 'declined' | 'unreachable'; status?: number } {
  const busy = statuses.find((s) => s === 486 || s === 600);
  if (busy) return { reason: 'busy', status: busy };
  const declined = statuses.find((s) => s === 603 || s === 487 || s === 480);
  if (declined) return { reason: 'declined', status: declined };
  return { reason: 'unreachable', status: statuses.find((s) => s > 0) };
}
