import t from 'tap';
import { decodeG711, G711Depacketizer, parseRtp } from '../../src/media/rtp.js';
import { linearToMulaw } from '../support/audio.js';

function packet(seq: number, payload: number[], opts: { pt?: number; ssrc?: number; csrc?: number; ext?: boolean } = {}): Uint8Array {
  const csrc = opts.csrc ?? 0;
  const ext = opts.ext ? 8 : 0;
  const b = new Uint8Array(12 + 4 * csrc + ext + payload.length);
  b[0] = 0x80 | (opts.ext ? 0x10 : 0) | csrc;
  b[1] = opts.pt ?? 0;
  b[2] = seq >> 8;
  b[3] = seq & 0xff;
  new DataView(b.buffer).setUint32(8, opts.ssrc ?? 42);
  if (opts.ext) b[12 + 4 * csrc + 3] = 1; // one 32-bit word of extension
  b.set(payload, 12 + 4 * csrc + ext);
  return b;
}

t.test('parses header fields, skips CSRCs and extensions, rejects non-RTP', async (t) => {
  const p = parseRtp(packet(7, [1, 2, 3], { csrc: 2, ext: true, pt: 8 }))!;
  t.equal(p.sequence, 7);
  t.equal(p.payloadType, 8);
  t.same([...p.payload], [1, 2, 3]);
  t.equal(parseRtp(new Uint8Array([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), undefined);
  t.equal(parseRtp(new Uint8Array(5)), undefined);
});

t.test('G.711 mu-law round-trips within quantisation error', async (t) => {
  const samples = [0, 1000, -1000, 12000, -30000];
  const decoded = decodeG711(0, Uint8Array.from(samples.map(linearToMulaw)))!;
  samples.forEach((s, i) => t.ok(Math.abs(decoded[i]! - s) <= Math.max(16, Math.abs(s) * 0.04), `${s} -> ${decoded[i]}`));
  t.equal(decodeG711(18, new Uint8Array(4)), undefined, 'other codecs are not decoded');
});

t.test('lost packets become silence, late and duplicate packets are dropped', async (t) => {
  const d = new G711Depacketizer();
  const pl = new Array(160).fill(linearToMulaw(5000));
  t.equal(d.push(parseRtp(packet(65534, pl))!).length, 1);
  t.equal(d.push(parseRtp(packet(65535, pl))!).length, 1);
  const afterGap = d.push(parseRtp(packet(2, pl))!); // 0 and 1 lost across the wrap
  t.equal(afterGap.length, 3);
  t.equal(afterGap[0]!.every((x) => x === 0), true);
  t.same(d.push(parseRtp(packet(1, pl))!), [], 'late packet dropped');
  t.same(d.push(parseRtp(packet(2, pl))!), [], 'duplicate dropped');
});
