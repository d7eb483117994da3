/**
 * A phone's media for tests: a UDP socket that plays its own tone as PCMU
 * (20 ms packets) and keeps everything it receives, so a test can tell by
 * content which tones reached this party and when, and which RFC 2833 digits
 * it was sent. The signalling is SIPp's; its SDP points here (c=127.0.0.1,
 * m=audio <port>). Like a phone, the peer sends to the address of the far
 * end's SDP as soon as it has it: the SIPp scenarios write the c= and m=
 * lines they receive to /tmp/rtp-peer-<port>.sdp (sdpHint). After that the
 * far end's address follows its packets (FreeSWITCH sends from the port it
 * receives on), so a re-INVITE that moves the media is followed too. Without
 * the SDP, two peers bridged before either was sent anything would wait for
 * each other in silence.
 */
import dgram from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import { mulawToLinear } from '../../src/audio/wav.js';
import { linearToMulaw } from './audio.js';

export interface Received {
  at: number;
  pt: number;
  /** RTP timestamp: one per DTMF event, however often its packets repeat. */
  ts: number;
  /** RTP sequence number and synchronisation source, and who sent it (host:port). */
  seq: number;
  ssrc: number;
  from: string;
  payload: Buffer;
}

/** 20 ms of 8 kHz audio: one RTP packet, one FreeSWITCH frame. */
const FRAME = 160;

/**
 * The share of the audio's energy at `freq` (0..1), measured frame by frame
 * (Goertzel at the exact frequency over each 20 ms frame, weighted by the
 * frame's energy). Frame by frame because media is carried in frames: a frame
 * that FreeSWITCH drops or conceals when a sender's clock drifts (this peer's
 * 20 ms timer fires a little late each time: ~49.6 packets a second) breaks
 * the tone's phase, and measured over a whole window a single break half-way
 * can cancel a pure tone. Within a frame,
 * 350 and 440 Hz (the closest pair the tests use) leak under 2% into each other.
 */
export function toneShare(samples: ArrayLike<number>, freq: number, rate = 8000): number {
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let atFreq = 0;
  let energy = 0;
  for (let from = 0; from < samples.length; from += FRAME) {
    const to = Math.min(samples.length, from + FRAME);
    let s1 = 0;
    let s2 = 0;
    for (let i = from; i < to; i++) {
      const x = samples[i]!;
      energy += x * x;
      const s0 = x + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    atFreq += (2 * (s1 * s1 + s2 * s2 - coeff * s1 * s2)) / (to - from);
  }
  return energy === 0 ? 0 : Math.min(1, atFreq / energy);
}

export class RtpPeer {
  readonly received: Received[] = [];
  private remote?: { address: string; port: number };
  private timer?: NodeJS.Timeout;
  private seq = Math.floor(Math.random() * 60000);
  private ts = 0;
  private phase = 0;
  private readonly ssrc = Math.floor(Math.random() * 2 ** 32);
  /** Digits queued to be sent as RFC 2833 events. */
  private dtmfQueue: string[] = [];
  private dtmfState?: { digit: string; packets: number };
  sending = true;
  /** Sends silence instead of its tone (a party that listens). */
  quiet = false;
  /** Speech queued by say(), sent before anything else, 160 samples a packet. */
  private speech: Int16Array[] = [];
  private speechPos = 0;

  private constructor(
    private readonly sock: dgram.Socket,
    readonly port: number,
    readonly freqHz: number,
    private readonly amplitude: number,
  ) {
    sock.on('message', (msg, rinfo) => {
      if (msg.length < 12) return;
      // Like a phone following its far end's SDP: the peer answers whoever sends to it now (a new call, a new leg).
      if (this.remote?.address !== rinfo.address || this.remote.port !== rinfo.port) this.remote = { address: rinfo.address, port: rinfo.port };
      this.received.push({ at: performance.timeOrigin + performance.now(), pt: msg[1]! & 0x7f, ts: msg.readUInt32BE(4), seq: msg.readUInt16BE(2), ssrc: msg.readUInt32BE(8), from: `${rinfo.address}:${rinfo.port}`, payload: msg.subarray(12 + (msg[0]! & 0x0f) * 4) });
    });
    this.timer = setInterval(() => this.tick(), 20);
  }

  static async open(freqHz: number, amplitude = 6000): Promise<RtpPeer> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    rmSync(sdpHintPath(sock.address().port), { force: true });
    return new RtpPeer(sock, sock.address().port, freqHz, amplitude);
  }

  /** Speaks: 8 kHz linear samples, sent in place of the tone or silence; resolves when the last packet has gone. */
  say(samples: Int16Array): Promise<void> {
    this.speech.push(samples);
    return new Promise((resolve) => {
      const check = setInterval(() => {
        if (!this.speech.includes(samples)) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
  }

  /** Queues RFC 2833 digits (payload type 101), sent as 100 ms events. */
  sendDigits(digits: string): void {
    this.dtmfQueue.push(...digits.split(''));
  }

  private tick(): void {
    if (!this.remote) this.remote = sdpHint(this.port);
    if (!this.remote || !this.sending) return;
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header.writeUInt32BE(this.ssrc, 8);
    let payload: Buffer;
    if (!this.dtmfState && this.dtmfQueue.length) this.dtmfState = { digit: this.dtmfQueue.shift()!, packets: 0 };
    if (this.dtmfState) {
      const d = this.dtmfState;
      d.packets++;
      const end = d.packets >= 5;
      header[1] = 101 | (d.packets === 1 ? 0x80 : 0);
      payload = Buffer.alloc(4);
      payload[0] = '0123456789*#ABCD'.indexOf(d.digit);
      payload[1] = (end ? 0x80 : 0) | 10;
      payload.writeUInt16BE(Math.min(d.packets * 160, 0xffff), 2);
      if (end) this.dtmfState = undefined;
      header.writeUInt16BE(this.seq++ & 0xffff, 2);
      header.writeUInt32BE(this.ts >>> 0, 4);
      if (end) this.ts += 800;
    } else {
      header[1] = 0;
      payload = Buffer.alloc(160);
      const speech = this.speech[0];
      for (let i = 0; i < 160; i++) {
        if (speech) payload[i] = linearToMulaw(speech[this.speechPos++] ?? 0);
        else payload[i] = linearToMulaw(this.quiet ? 0 : this.amplitude * Math.sin(this.phase));
        this.phase += (2 * Math.PI * this.freqHz) / 8000;
      }
      if (speech && this.speechPos >= speech.length) {
        this.speech.shift();
        this.speechPos = 0;
      }
      header.writeUInt16BE(this.seq++ & 0xffff, 2);
      header.writeUInt32BE(this.ts >>> 0, 4);
      this.ts += 160;
    }
    this.sock.send(Buffer.concat([header, payload]), this.remote.port, this.remote.address);
  }

  /** The PCMU audio received between two wall-clock times, as linear samples. */
  audio(from: number, to: number): Int16Array {
    return this.decode(this.audioPackets(from, to));
  }

  /** The PCMU packets received between two wall-clock times. */
  private audioPackets(from: number, to: number): Received[] {
    return this.received.filter((r) => r.pt === 0 && r.at >= from && r.at < to);
  }

  private decode(chunks: Received[]): Int16Array {
    const out = new Int16Array(chunks.length * 160);
    let i = 0;
    for (const c of chunks) for (const b of c.payload) out[i++] = mulawToLinear(b);
    return out.subarray(0, i);
  }

  /**
   * What this party heard in a window: for each frequency asked, the share of
   * the received energy at it, and the window's RMS level.
   */
  heard(from: number, to: number, freqs: number[]): { rms: number; packets: number; share: Record<number, number>; streams: string[]; gaps: number } {
    const chunks = this.audioPackets(from, to);
    const a = this.decode(chunks);
    let e = 0;
    for (const x of a) e += x * x;
    const share: Record<number, number> = {};
    for (const f of freqs) share[f] = toneShare(a, f);
    // How the window's audio reached us: one stream per source and SSRC, and sequence gaps or repeats within each.
    const last = new Map<string, number>();
    let gaps = 0;
    for (const c of chunks) {
      const key = `${c.from}/${c.ssrc.toString(16)}`;
      const prev = last.get(key);
      if (prev !== undefined && ((c.seq - prev) & 0xffff) !== 1) gaps++;
      last.set(key, c.seq);
    }
    return { rms: a.length ? Math.sqrt(e / a.length) : 0, packets: a.length / FRAME, share, streams: [...last.keys()], gaps };
  }

  /** The first packet received at or after `from` (wall-clock ms) that `match` accepts. */
  firstAfter(from: number, match: (r: Received) => boolean): Received | undefined {
    for (let i = this.received.length - 1; i >= 0 && this.received[i]!.at >= from; i--) {
      if (i === 0 || this.received[i - 1]!.at < from) {
        for (let j = i; j < this.received.length; j++) if (match(this.received[j]!)) return this.received[j];
        return undefined;
      }
    }
    return undefined;
  }

  /** Whether a PCMU packet is mostly the tone `freq`. */
  static isTone(r: Received, freq: number): boolean {
    if (r.pt !== 0) return false;
    const a = Array.from(r.payload, mulawToLinear);
    return toneShare(a, freq) > 0.5;
  }

  /** Digits received as RFC 2833 events (one per event, at its end packet). */
  digits(): string {
    let out = '';
    let lastTs = -1;
    for (const r of this.received) {
      if (r.pt !== 101 || r.payload.length < 4) continue;
      const end = (r.payload[1]! & 0x80) !== 0;
      if (!end) continue;
      // The end packet is sent three times: one digit per event (its RTP timestamp).
      if (r.ts === lastTs) continue;
      lastTs = r.ts;
      out += '0123456789*#ABCD'[r.payload[0]!] ?? '?';
    }
    return out;
  }

  close(): void {
    clearInterval(this.timer);
    this.sock.close();
    rmSync(sdpHintPath(this.port), { force: true });
  }
}

/** Where a SIPp scenario leaves the far end's SDP for the peer on `port`. */
export const sdpHintPath = (port: number) => `/tmp/rtp-peer-${port}.sdp`;

/** The address in the far end's SDP, once a scenario has written it ("c=IN IP4 a.b.c.d m=audio n"). */
export function sdpHint(port: number): { address: string; port: number } | undefined {
  let text: string;
  try {
    text = readFileSync(sdpHintPath(port), 'utf8');
  } catch {
    return undefined;
  }
  const m = /c=IN IP4 ([0-9.]+)\s+m=audio ([0-9]+)/.exec(text);
  return m && Number(m[2]) > 0 ? { address: m[1]!, port: Number(m[2]) } : undefined;
}
