/**
 * The media-server connection: drachtio-fsmrf finds FreeSWITCH's media
 * profile and watches it; the legs for callers and agents are made and
 * driven over the daemon's own Event Socket (legs.ts). fsmrf gives up if
 * FreeSWITCH is not ready within ~1 s and does not come back after a lost
 * connection, so this keeps retrying with back-off and always exposes the
 * current MediaServer (or none).
 */
import { EventEmitter } from 'node:events';
import Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { EventSocket } from './event-socket.js';
import { createLeg, type Endpoint, type Leg } from './legs.js';

export type { Endpoint } from './legs.js';

/** fsmrf's media server: the parts still used (where the media profile listens, and whether it is up). */
interface FsmrfServer extends EventEmitter {
  sip?: { ipv4?: { udp?: { address?: string } } };
  connected(): boolean;
  disconnect(): void;
}

/** Where media legs come from: FreeSWITCH's media profile, found and watched by fsmrf, legs driven over the daemon's Event Socket. */
export class MediaServer {
  constructor(
    private readonly fsmrf: FsmrfServer,
    private readonly srf: Srf,
    private readonly esl: EventSocket,
  ) {}

  connected(): boolean {
    return this.fsmrf.connected();
  }

  /** A leg whose remote party is `remoteSdp` (a device's offer, a tap's socket). */
  async createEndpoint(opts: { remoteSdp: string }): Promise<Leg> {
    const address = this.fsmrf.sip?.ipv4?.udp?.address;
    if (!this.connected() || !address) throw new Error('media server not ready');
    return createLeg(this.srf, this.esl, address, opts.remoteSdp);
  }

  /** Answers an incoming INVITE through a new leg: its SDP to FreeSWITCH, FreeSWITCH's answer in our 200 OK. */
  async connectCaller(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<{ endpoint: Leg; dialog: Srf.Dialog }> {
    const endpoint = await this.createEndpoint({ remoteSdp: typeof req.body === 'string' ? req.body : '' });
    try {
      const dialog = await this.srf.createUAS(req, res, { localSdp: endpoint.local.sdp });
      return { endpoint, dialog };
    } catch (err) {
      void endpoint.destroy().catch(() => undefined);
      throw err;
    }
  }

  disconnect(): void {
    this.fsmrf.disconnect();
  }
}

export interface MediaConnectionEvents {
  up: [ms: MediaServer];
  down: [reason: string];
}

export class MediaConnection extends EventEmitter<MediaConnectionEvents> {
  ms?: MediaServer;
  lastError = 'not connected yet';
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;
  private readonly mrf: { connect(opts: object): Promise<FsmrfServer> };

  constructor(
    private readonly srf: Srf,
    private readonly esl: EventSocket,
    private readonly opts: { address: string; port: number; secret: string; listenAddress: string; listenPort: number; profile: string },
    private readonly log: Logger,
  ) {
    super();
    this.mrf = new (Mrf as unknown as new (srf: Srf) => { connect(opts: object): Promise<FsmrfServer> })(srf);
  }

  get up(): boolean {
    return this.ms !== undefined && this.ms.connected();
  }

  start(): void {
    void this.attempt(250);
  }

  private async attempt(delayMs: number): Promise<void> {
    if (this.stopped) return;
    try {
      const fsmrf = await this.mrf.connect({ ...this.opts });
      if (this.stopped) return fsmrf.disconnect();
      const ms = new MediaServer(fsmrf, this.srf, this.esl);
      this.ms = ms;
      this.log.info({ profile: this.opts.profile }, 'media server connected');
      this.emit('up', ms);
      fsmrf.once('end', () => {
        if (this.ms !== ms) return;
        this.ms = undefined;
        this.lastError = 'connection lost';
        this.log.warn('media server connection lost; reconnecting');
        this.emit('down', 'connection lost');
        ms.disconnect();
        this.retry(250);
      });
      fsmrf.on('error', (err: Error) => this.log.warn({ err: err.message }, 'media server error'));
    } catch (err) {
      this.lastError = (err as Error).message;
      this.log.debug({ err: this.lastError, retryMs: delayMs }, 'media server not reachable yet');
      this.retry(Math.min(delayMs * 2, 2_000));
    }
  }

  private retry(delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.attempt(delayMs), delayMs);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.ms?.disconnect();
    this.ms = undefined;
  }
}

/**
 * Hangs up a media leg: a BYE on its SIP dialog with FreeSWITCH, which also
 * serves when FreeSWITCH is gone (drachtio forgets the dialog once the BYE
 * times out).
 */
export function releaseEndpoint(ep: Endpoint): void {
  void ep.destroy().catch(() => undefined);
}
