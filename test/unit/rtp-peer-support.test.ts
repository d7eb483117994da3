/**
 * The test RTP peer the stack tests judge audio with: its tone measure must
 * not be fooled by the frame-level breaks media carries (a dropped or
 * repeated frame), and it must send its tone in sequence, about 50 packets a second.
 */
import dgram from 'node:dgram';
import t from 'tap';
import { mulawToLinear } from '../../src/audio/wav.js';
import { RtpPeer, toneShare } from '../support/rtp-peer.js';

const tone = (freq: number, n: number, phaseAt = (_i: number) => 0) => Array.from({ length: n }, (_, i) => 4000 * Math.sin(phaseAt(i) + (2 * Math.PI * freq * i) / 8000));

t.test('toneShare: each test tone is told from the others, frame by frame', async (t) => {
  const freqs = [350, 440, 1200, 1500, 1800, 2000];
  for (const f of freqs) {
    const s = tone(f, 8_000);
    t.ok(toneShare(s, f) > 0.97, `${f} Hz is itself (${toneShare(s, f).toFixed(3)})`);
    for (const g of freqs) if (g !== f) t.ok(toneShare(s, g) < 0.02, `${f} Hz is not ${g} Hz (${toneShare(s, g).toFixed(3)})`);
  }
  t.equal(toneShare(new Array(800).fill(0), 440), 0, 'silence has no tone');
  t.equal(toneShare([], 440), 0, 'nor does nothing');
});

t.test('toneShare: a phase break half-way (a dropped frame) does not cancel the tone', async (t) => {
  const flipped = tone(440, 8_800, (i) => (i >= 4_400 ? Math.PI : 0));
  t.ok(toneShare(flipped, 440) > 0.95, `a half-cycle break at a frame boundary (${toneShare(flipped, 440).toFixed(3)})`);
  // A frame missing: the samples of frame 20 are skipped.
  const whole = tone(440, 8_960);
  const dropped = [...whole.slice(0, 3_200), ...whole.slice(3_360)];
  t.ok(toneShare(dropped, 440) > 0.95, `a frame dropped (${toneShare(dropped, 440).toFixed(3)})`);
  const high = tone(1200, 8_000);
  const mixed = tone(440, 8_000).map((x, i) => x + high[i]!);
  t.ok(Math.abs(toneShare(mixed, 440) - 0.5) < 0.05 && Math.abs(toneShare(mixed, 1200) - 0.5) < 0.05, 'a mix of two tones is half each');
});

t.test('the peer sends about 50 packets a second of its own tone, in sequence', async (t) => {
  const sink = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  sink.on('message', (m) => got.push(m));
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  const peer = await RtpPeer.open(1200);
  t.teardown(() => {
    peer.close();
    sink.close();
  });
  // The peer answers whoever sends to it.
  sink.send(Buffer.alloc(172, 0x80), peer.port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 100));
  const first = got.length;
  await new Promise((r) => setTimeout(r, 2_000));
  const sent = got.length - first;
  t.ok(sent >= 90 && sent <= 101, `about 100 packets in 2 s (${sent})`);
  const seqs = got.map((m) => m.readUInt16BE(2));
  t.ok(seqs.every((s, i) => i === 0 || s === ((seqs[i - 1]! + 1) & 0xffff)), 'in sequence');
  const samples = got.slice(-50).flatMap((m) => Array.from(m.subarray(12), mulawToLinear));
  t.equal(samples.length, 50 * 160, '160 bytes of PCMU each');
  t.ok(toneShare(samples, 1200) > 0.97, `its own tone (${toneShare(samples, 1200).toFixed(3)})`);
});
