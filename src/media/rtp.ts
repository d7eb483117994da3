/**
 * RTP (RFC 3550) as the audio tap needs it: parse a packet, and turn a stream
 * of G.711 packets into linear PCM with lost packets filled by silence, so
 * audio time stays wall time for the detector downstream.
 */
import { alawToLinear, mulawToLinear } from '../audio/wav.js';

export interface RtpPacket {
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}

/** Parses one RTP packet; undefined when it is not RTP version 2 or is truncated. */
export function parseRtp(buf: Uint8Array): RtpPacket | undefined {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return undefined;
  const padding = (buf[0]! & 0x20) !== 0;
  const extension = (buf[0]! & 0x10) !== 0;
  const csrcCount = buf[0]! & 0x0f;
  let offset = 12 + 4 * csrcCount;
  if (extension) {
    if (buf.length < offset + 4) return undefined;
    offset += 4 + 4 * ((buf[offset + 2]! << 8) | buf[offset + 3]!);
  }
  let end = buf.length;
  if (padding) end -= buf[buf.length - 1]!;
  if (offset > end) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    payloadType: buf[1]! & 0x7f,
    sequence: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: buf.subarray(offset, end),
  };
}

/** G.711 payload types: 0 PCMU, 8 PCMA. */
export function decodeG711(payloadType: number, payload: Uint8Array): Int16Array | undefined {
  const decode = payloadType === 0 ? mulawToLinear : payloadType === 8 ? alawToLinear : undefined;
  if (!decode) return undefined;
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = decode(payload[i]!);
  return out;
}

/**
 * Orders a packet stream into audio: silence for packets lost in between
 * (up to `maxGapPackets`), late or duplicate packets dropped, a new SSRC or a
 * jump of the sequence restarts the count.
 */
export class G711Depacketizer {
  private expected?: number;
  private ssrc?: number;
  private frameSamples = 160;

  constructor(private readonly maxGapPackets = 50) {}

  push(p: RtpPacket): Int16Array[] {
    const audio = decodeG711(p.payloadType, p.payload);
    if (!audio) return [];
    if (this.ssrc !== p.ssrc || this.expected === undefined) {
      this.ssrc = p.ssrc;
      this.expected = (p.sequence + 1) & 0xffff;
      this.frameSamples = audio.length || 160;
      return [audio];
    }
    const gap = (p.sequence - this.expected) & 0xffff;
    if (gap >= 0x8000) return []; // late or duplicate
    const out: Int16Array[] = [];
    if (gap > 0 && gap <= this.maxGapPackets) for (let i = 0; i < gap; i++) out.push(new Int16Array(this.frameSamples));
    this.expected = (p.sequence + 1) & 0xffff;
    out.push(audio);
    return out;
  }
}
