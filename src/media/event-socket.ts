/**
 * The daemon's own Event Socket connection to FreeSWITCH (esl-lite): health
 * probing and the channel events the platform records (RTP counters at
 * hang-up). esl-lite reconnects by itself and re-queues commands; a cheap
 * periodic `status` tells whether FreeSWITCH is really answering.
 */
import { EventEmitter } from 'node:events';
import { FreeSwitchClient } from 'esl-lite';
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

export class EventSocket extends EventEmitter<EventSocketEvents> {
  readonly client: FreeSwitchClient;
  private timer?: NodeJS.Timeout;
  up = false;
  lastError = 'not connected yet';

  constructor(
    opts: { host: string; port: number; password: string },
    private readonly log: Logger,
    private readonly probeMs = 2_000,
  ) {
    super();
    // Each call adopted after a restart listens for its own channels' end: hundreds of listeners are normal.
    this.setMaxListeners(0);
    // esl-lite logs every reconnect attempt at error level; the probe below reports the state once instead.
    this.client = new FreeSwitchClient({ ...opts, logger: log.child({ component: 'esl' }, { level: 'fatal' }) });
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
      const res = await this.client.bgapi('status', this.probeMs);
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

  async api(command: string, timeoutMs = 2_000): Promise<string> {
    const res = await this.client.bgapi(command, timeoutMs);
    if (res instanceof Error) throw res;
    return String(res.body.response ?? '');
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.client.end();
  }
}
