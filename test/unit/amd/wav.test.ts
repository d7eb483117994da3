import t from 'tap';
import { alawToLinear, mulawToLinear, parseWav, WavError } from '../../../src/audio/wav.js';

interface WavSpec {
  format?: number;
  channels?: number;
  sampleRate?: number;
  bits?: number;
  data: Buffer;
  extra?: Buffer[]; // chunks placed before "data"
  fmtSize?: number;
}

function chunk(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function wav(s: WavSpec): Buffer {
  const channels = s.channels ?? 1, sampleRate = s.sampleRate ?? 8000, bits = s.bits ?? 16;
  const fmt = Buffer.alloc(s.fmtSize ?? 16);
  fmt.writeUInt16LE(s.format ?? 1, 0);
  fmt.writeUInt16LE(channels, 2);
  fmt.writeUInt32LE(sampleRate, 4);
  fmt.writeUInt32LE((sampleRate * channels * bits) / 8, 8);
  fmt.writeUInt16LE((channels * bits) / 8, 12);
  fmt.writeUInt16LE(bits, 14);
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), chunk('fmt ', fmt), ...(s.extra ?? []), chunk('data', s.data)]);
  return chunk('RIFF', body);
}

const pcm16 = (v: number[]) => Buffer.from(Int16Array.from(v).buffer);

t.test('16-bit PCM mono', async (t) => {
  const w = parseWav(wav({ data: pcm16([0, 1000, -1000, 32767, -32768]) }));
  t.equal(w.sampleRate, 8000);
  t.equal(w.channels, 1);
  t.same(Array.from(w.samples), [0, 1000, -1000, 32767, -32768]);
});

t.test('stereo is mixed down, odd-sized chunks before data are skipped', async (t) => {
  const w = parseWav(wav({ channels: 2, sampleRate: 16000, data: pcm16([100, 300, -100, -301]), extra: [chunk('LIST', Buffer.from('abc'))] }));
  t.equal(w.sampleRate, 16000);
  t.equal(w.channels, 2);
  t.same(Array.from(w.samples), [200, -200]);
});

t.test('G.711 mu-law and A-law are decoded', async (t) => {
  t.equal(mulawToLinear(0xff), 0);
  t.equal(mulawToLinear(0x7f), 0);
  t.equal(mulawToLinear(0x00), -32124);
  t.equal(mulawToLinear(0x80), 32124);
  t.equal(alawToLinear(0xd5), 8);
  t.equal(alawToLinear(0x55), -8);
  t.equal(alawToLinear(0xaa), 32256);
  t.equal(alawToLinear(0x2a), -32256);
  const mu = parseWav(wav({ format: 7, bits: 8, fmtSize: 18, data: Buffer.from([0xff, 0x00, 0x80]) }));
  t.same(Array.from(mu.samples), [0, -32124, 32124]);
  const a = parseWav(wav({ format: 6, bits: 8, data: Buffer.from([0xd5, 0x55]) }));
  t.same(Array.from(a.samples), [8, -8]);
});

t.test('WAVE_FORMAT_EXTENSIBLE with a PCM sub-format', async (t) => {
  const b = wav({ format: 0xfffe, fmtSize: 40, data: pcm16([5, -5]) });
  // sub-format GUID starts at fmt offset 24: 12 (RIFF) + 8 (fmt header) + 24
  b.writeUInt16LE(1, 12 + 8 + 24);
  t.same(Array.from(parseWav(b).samples), [5, -5]);
});

t.test('errors say what is wrong', async (t) => {
  const good = wav({ data: pcm16([1, 2, 3, 4]) });
  const cases: [string, Buffer, RegExp][] = [
    ['short', Buffer.from('RIFF'), /too short/],
    ['not riff', Buffer.concat([Buffer.from('RIFX'), good.subarray(4)]), /RIFX/],
    ['garbage', Buffer.from('hello world, not audio'), /not a RIFF file/],
    ['not wave', Buffer.concat([good.subarray(0, 8), Buffer.from('AVI '), good.subarray(12)]), /not WAVE/],
    ['no fmt', chunk('RIFF', Buffer.concat([Buffer.from('WAVE'), chunk('data', pcm16([1]))])), /no "fmt " chunk/],
    ['no data', good.subarray(0, 12 + 8 + 16), /no "data" chunk/],
    ['float', wav({ format: 3, bits: 32, data: Buffer.alloc(8) }), /unsupported WAV format code 3/],
    ['24-bit', wav({ bits: 24, data: Buffer.alloc(6) }), /unsupported PCM bit depth 24/],
    ['mu-law 16-bit', wav({ format: 7, bits: 16, data: Buffer.alloc(4) }), /mu-law must be 8 bits/],
    ['truncated', good.subarray(0, good.length - 3), /truncated/],
    ['zero channels', wav({ channels: 0, data: Buffer.alloc(4) }), /0 channels/],
  ];
  for (const [name, buf, re] of cases) {
    t.throws(() => parseWav(buf), re, name);
    try {
      parseWav(buf);
    } catch (e) {
      t.ok(e instanceof WavError, `${name}: WavError`);
    }
  }
});

t.test('streamed WAV with data size 0 reads to the end of the file', async (t) => {
  const b = wav({ data: pcm16([7, 8, 9]) });
  b.writeUInt32LE(0, 12 + 8 + 16 + 4);
  t.same(Array.from(parseWav(b).samples), [7, 8, 9]);
});
