/** Test audio for SIP peers: G.711 mu-law WAV files that SIPp's rtp_stream plays. */
import { writeFileSync } from 'node:fs';
import { pcm16Wav } from '../../src/audio/wav.js';

/** ITU-T G.711 mu-law encoding of one 16-bit linear sample. */
export function linearToMulaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function mulawWav(samples: Int16Array | number[], sampleRate = 8000): Buffer {
  const n = samples.length;
  const b = Buffer.alloc(44 + n);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + n, 4);
  b.write('WAVE', 8);
  b.write('fmt ', 12);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(7, 20); // mu-law
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write('data', 36);
  b.writeUInt32LE(n, 40);
  for (let i = 0; i < n; i++) b[44 + i] = linearToMulaw(samples[i]!);
  return b;
}

export function writeToneWav(file: string, freqHz: number, seconds: number, amplitude = 8000): void {
  const n = Math.round(seconds * 8000);
  const s = new Int16Array(n);
  for (let i = 0; i < n; i++) s[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freqHz * i) / 8000));
  writeFileSync(file, mulawWav(s));
}

/** A 16-bit PCM mono WAV of the samples. */
export const pcmWav = pcm16Wav;

/** A 16-bit PCM WAV of a tone (what Chromium's fake microphone plays with --use-file-for-fake-audio-capture). */
export function writePcmToneWav(file: string, freqHz: number, seconds: number, sampleRate = 48000, amplitude = 8000): void {
  const s = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < s.length; i++) s[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freqHz * i) / sampleRate));
  writeFileSync(file, pcmWav(s, sampleRate));
}
