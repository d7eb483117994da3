/**
 * The media-server connection through drachtio-fsmrf: media endpoints for
 * callers and agents. fsmrf gives up if FreeSWITCH is not ready within ~1 s and
 * does not come back after a lost connection, so this keeps retrying with
 * back-off and always exposes the current MediaServer (or none).
 */
import { EventEmitter } from 'node:events';
import Mrf from 'drachtio-fsmrf';
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';

// fsmrf ships no types; these are the parts the platform uses.
export interface Endpoint extends EventEmitter {
  uuid: string;
  local: { sdp: string };
  remote: { sdp: string };
  dialog: Srf.Dialog;
  connected: boolean;
  play(file: string | string[]): Promise<unknown>;
  execute(app: string, arg?: string): Promise<unknown>;
  executeAsync(app: string, arg?: string): unknown;
  api(command: string, args?: string | string[]): Promise<unknown>;
  set(name: string | Record<string, string>, value?: string): Promise<unknown>;
  bridge(other: Endpoint | string): Promise<unknown>;
  playCollect(opts: { file: string; min?: number; max?: number; tries?: number; timeout?: number; digitTimeout?: number; terminators?: string; invalidFile?: string; regexp?: string }): Promise<{ digits?: string }>;
  destroy(): Promise<void>;
}

export interface MediaServer extends EventEmitter {
  createEndpoint(opts?: { remoteSdp?: string; codecs?: string[]; headers?: Record<string, string> }): Promise<Endpoint>;
  connectCaller(req: Srf.SrfRequest, res: Srf.SrfResponse, opts?: { codecs?: string[]; headers?: Record<string, string> }): Promise<{ endpoint: Endpoint; dialog: Srf.Dialog }>;
  connected(): boolean;
  disconnect(): void;
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
  private readonly mrf: { connect(opts: object): Promise<MediaServer> };

  constructor(
    srf: Srf,
    private readonly opts: { address: string; port: number; secret: string; listenAddress: string; listenPort: number; profile: string },
    private readonly log: Logger,
  ) {
    super();
    this.mrf = new (Mrf as unknown as new (srf: Srf) => { connect(opts: object): Promise<MediaServer> })(srf);
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
      const ms = await this.mrf.connect({ ...this.opts });
      if (this.stopped) return ms.disconnect();
      this.ms = ms;
      this.log.info({ profile: this.opts.profile }, 'media server connected');
      this.emit('up', ms);
      ms.once('end', () => {
        if (this.ms !== ms) return;
        this.ms = undefined;
        this.lastError = 'connection lost';
        this.log.warn('media server connection lost; reconnecting');
        this.emit('down', 'connection lost');
        ms.disconnect();
        this.retry(250);
      });
      ms.on('error', (err: Error) => this.log.warn({ err: err.message }, 'media server error'));
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
 * Hangs up a media leg. With FreeSWITCH gone its Event Socket cannot hang the
 * channel up, so the SIP dialog towards it is released directly (drachtio
 * forgets it once the BYE times out).
 */
export function releaseEndpoint(ep: Endpoint, mediaGone = false): void {
  if (mediaGone) void ep.dialog?.destroy();
  else void ep.destroy().catch(() => undefined);
}
