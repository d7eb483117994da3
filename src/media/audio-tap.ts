/**
 * A live tap of a call leg's audio, with no extra FreeSWITCH module: the
 * daemon binds a UDP socket, creates a media endpoint whose remote SDP points
 * at it (receive-only PCMU, 20 ms), and bridges the leg to that endpoint, so
 * FreeSWITCH streams the leg's incoming audio to the daemon as RTP.
 *
 * The leg is busy while tapped (it is bridged to the tap); stop() releases it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import type { Endpoint, MediaServer } from './media-server.js';
import { G711Depacketizer, parseRtp } from './rtp.js';

export interface AudioTapEvents {
  audio: [samples: Int16Array];
}

export class AudioTap extends EventEmitter<AudioTapEvents> {
  private readonly depacketizer = new G711Depacketizer();
  private endpoint?: Endpoint;
  packets = 0;
  firstPacketAt?: number;

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    readonly port: number,
  ) {
    super();
    socket.on('message', (msg) => {
      const p = parseRtp(msg);
      if (!p) return;
      this.packets++;
      this.firstPacketAt ??= performance.timeOrigin + performance.now();
      for (const frame of this.depacketizer.push(p)) this.emit('audio', frame);
    });
  }

  static open(address: string): Promise<AudioTap> {
    return new Promise((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, address, () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        resolve(new AudioTap(socket, address, socket.address().port));
      });
    });
  }

  /** The SDP FreeSWITCH is given as the tap endpoint's remote side. */
  sdp(): string {
    return [
      'v=0',
      `o=tap ${this.port} 1 IN IP4 ${this.address}`,
      's=tap',
      `c=IN IP4 ${this.address}`,
      't=0 0',
      `m=audio ${this.port} RTP/AVP 0`,
      'a=rtpmap:0 PCMU/8000',
      'a=ptime:20',
      'a=recvonly',
      '',
    ].join('\r\n');
  }

  /** Creates the tap endpoint and bridges `leg` to it: from now on the leg's audio arrives as 'audio' events. */
  async attach(ms: MediaServer, leg: Endpoint): Promise<void> {
    this.endpoint = await ms.createEndpoint({ remoteSdp: this.sdp() });
    // When the tap goes away the leg stays up, parked, for whatever comes next (dialplans/mrf.xml).
    await leg.bridge(this.endpoint);
  }

  async stop(): Promise<void> {
    this.socket.removeAllListeners('message');
    const ep = this.endpoint;
    this.endpoint = undefined;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
    if (ep) await ep.destroy().catch(() => undefined);
  }
}
