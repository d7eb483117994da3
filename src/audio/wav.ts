/**
 * Minimal pure WAV (RIFF) reader: 16-bit linear PCM, and 8-bit G.711 mu-law (format 7)
 * or A-law (format 6) decoded to 16-bit. WAVE_FORMAT_EXTENSIBLE is accepted when its
 * sub-format is one of those. Multi-channel audio is mixed down to mono, or one
 * channel is taken (`channel`, from 0: a call recording's customer or agent side).
 */

export interface WavAudio {
  sampleRate: number;
  /** Channels in the file; `samples` is always one: mixed, or the channel asked for. */
  channels: number;
  samples: Int16Array;
}

export class WavError extends Error {
  override name = 'WavError';
}

const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

/** G.711 mu-law byte to 16-bit linear (ITU-T G.711). */
export function mulawToLinear(u: number): number {
  u = ~u & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -magnitude : magnitude;
}

/** G.711 A-law byte to 16-bit linear (ITU-T G.711). */
export function alawToLinear(a: number): number {
  a ^= 0x55;
  const sign = a & 0x80;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return sign ? magnitude : -magnitude;
}

function buildTable(f: (b: number) => number): Int16Array {
  const t = new Int16Array(256);
  for (let i = 0; i < 256; i++) t[i] = f(i);
  return t;
}
let mulawTable: Int16Array | undefined;
let alawTable: Int16Array | undefined;

/** Parse a WAV file held in memory. Throws WavError saying what is wrong. */
export function parseWav(buf: Buffer | Uint8Array, channel?: number): WavAudio {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 12) throw new WavError(`file too short for a WAV header (${b.length} bytes)`);
  const riff = b.toString('latin1', 0, 4);
  if (riff !== 'RIFF') {
    throw new WavError(riff === 'RIFX' ? 'big-endian RIFX WAV is not supported' : 'not a RIFF file (missing "RIFF" magic)');
  }
  if (b.toString('latin1', 8, 12) !== 'WAVE') throw new WavError('RIFF file is not WAVE (missing "WAVE" form type)');

  let fmt: { format: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | undefined;
  let data: Buffer | undefined;
  let off = 12;
  while (off + 8 <= b.length) {
    const id = b.toString('latin1', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > b.length) throw new WavError(`fmt chunk is truncated or too short (${size} bytes)`);
      let format = b.readUInt16LE(body);
      if (format === FORMAT_EXTENSIBLE) {
        if (size < 40) throw new WavError('WAVE_FORMAT_EXTENSIBLE fmt chunk is too short for its sub-format');
        format = b.readUInt16LE(body + 24);
      }
      fmt = {
        format,
        channels: b.readUInt16LE(body + 2),
        sampleRate: b.readUInt32LE(body + 4),
        blockAlign: b.readUInt16LE(body + 12),
        bits: b.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      let end = body + size;
      // Streaming writers leave the size at 0 or 0xFFFFFFFF: take the rest of the file.
      if (size === 0 || size === 0xffffffff) end = b.length;
      else if (end > b.length) {
        throw new WavError(`data chunk declares ${size} bytes but only ${b.length - body} are present (truncated file)`);
      }
      data = b.subarray(body, end);
      if (fmt) break;
    }
    off = body + size + (size & 1); // chunks are word-aligned
  }
  if (!fmt) throw new WavError('no "fmt " chunk found');
  if (!data) throw new WavError('no "data" chunk found');
  const { format, channels, sampleRate, bits } = fmt;
  if (channels < 1) throw new WavError('fmt chunk says 0 channels');
  if (sampleRate < 1) throw new WavError('fmt chunk says sample rate 0');

  let bytesPerSample: number;
  if (format === FORMAT_PCM) {
    if (bits !== 16) throw new WavError(`unsupported PCM bit depth ${bits} (only 16-bit PCM is supported)`);
    bytesPerSample = 2;
  } else if (format === FORMAT_MULAW || format === FORMAT_ALAW) {
    if (bits !== 8) throw new WavError(`G.711 ${format === FORMAT_MULAW ? 'mu-law' : 'A-law'} must be 8 bits per sample, fmt says ${bits}`);
    bytesPerSample = 1;
  } else {
    throw new WavError(`unsupported WAV format code ${format} (supported: 1 PCM, 6 A-law, 7 mu-law)`);
  }
  const frameBytes = bytesPerSample * channels;
  const frames = Math.floor(data.length / frameBytes);
  const out = new Int16Array(frames);
  let table: Int16Array | undefined;
  if (format === FORMAT_MULAW) table = mulawTable ??= buildTable(mulawToLinear);
  else if (format === FORMAT_ALAW) table = alawTable ??= buildTable(alawToLinear);

  const sampleAt = (pos: number): number => (table ? table[data![pos]!]! : data!.readInt16LE(pos));
  if (channel !== undefined && (channel < 0 || channel >= channels)) throw new WavError(`channel ${channel} asked of a ${channels}-channel file`);
  if (channels === 1 || channel !== undefined) {
    const c = channel ?? 0;
    for (let i = 0; i < frames; i++) out[i] = sampleAt(i * frameBytes + c * bytesPerSample);
  } else {
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += sampleAt(i * frameBytes + c * bytesPerSample);
      out[i] = Math.round(sum / channels);
    }
  }
  return { sampleRate, channels, samples: out };
}

/** 16-bit PCM mono WAV of the samples. */
export function pcm16Wav(samples: Int16Array, rate: number): Buffer {
  const h = Buffer.alloc(44);
  const bytes = samples.length * 2;
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + bytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(bytes, 40);
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i]!, i * 2);
  return Buffer.concat([h, data]);
}
