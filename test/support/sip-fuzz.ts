/**
 * Malformed SIP, as scanners and broken devices send it: seeded mutations of
 * valid requests (truncation, absurd Content-Length, huge and broken headers,
 * broken SDP, wrong methods, broken URIs, bytes that are not UTF-8, random
 * bytes and byte flips). The same seed gives the same messages, so a failure
 * replays; each message says which mutation made it.
 */
import { createSocket } from 'node:dgram';
import { pick, rng } from './random.js';

export interface FuzzTarget {
  host: string;
  port: number;
  /** A number the platform answers (so the INVITEs reach the daemon, not only drachtio's parser). */
  did: string;
  domain: string;
}

export interface FuzzMessage {
  kind: string;
  bytes: Buffer;
}

const SDP = (port: number) =>
  ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=ptime:20', ''].join('\r\n');

export function request(method: string, t: FuzzTarget, n: number, opts: { body?: string; headers?: string[]; uri?: string; from?: string } = {}): string {
  const body = opts.body ?? '';
  const uri = opts.uri ?? `sip:${t.did}@${t.host}:${t.port}`;
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-fuzz-${n};rport`,
    'Max-Forwards: 70',
    `From: ${opts.from ?? `"Fuzz ${n}" <sip:fuzz${n}@${t.domain}>`};tag=f${n}`,
    `To: <sip:${t.did}@${t.domain}>`,
    `Call-ID: fuzz-${n}@127.0.0.1`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:fuzz${n}@127.0.0.1:5999>`,
    'User-Agent: fuzzer',
    ...(opts.headers ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

type Mutation = (r: () => number, t: FuzzTarget, n: number) => Buffer | string;

const bytes = (r: () => number, len: number) => Buffer.from(Array.from({ length: len }, () => Math.floor(r() * 256)));
const invite = (t: FuzzTarget, n: number, extra: Parameters<typeof request>[3] = {}) => request('INVITE', t, n, { body: SDP(40_000 + (n % 1000)), ...extra });

export const MUTATIONS: Record<string, Mutation> = {
  truncated: (r, t, n) => {
    const m = Buffer.from(invite(t, n));
    return m.subarray(0, 1 + Math.floor(r() * (m.length - 1)));
  },
  'content-length-absurd': (r, t, n) => invite(t, n).replace(/Content-Length: \d+/, `Content-Length: ${pick(r, ['-1', '4294967296', '99999999999999999999', '1e9', 'abc', '0x10', ''])}`),
  'content-length-short': (r, t, n) => invite(t, n).replace(/Content-Length: \d+/, `Content-Length: ${Math.floor(r() * 20)}`),
  'header-huge': (r, t, n) => invite(t, n, { headers: [`X-Big: ${'A'.repeat(2_000 + Math.floor(r() * 60_000))}`] }),
  'headers-many': (r, t, n) => invite(t, n, { headers: Array.from({ length: 100 + Math.floor(r() * 900) }, (_, i) => `X-H${i}: ${i}`) }),
  'header-no-colon': (r, t, n) => invite(t, n).replace('Max-Forwards: 70', pick(r, ['Max-Forwards 70', ':', 'Via', '\x00\x00\x00'])),
  'header-missing': (r, t, n) => {
    const drop = pick(r, ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards']);
    return invite(t, n).split('\r\n').filter((l) => !l.startsWith(`${drop}:`)).join('\r\n');
  },
  'header-duplicated': (r, t, n) => {
    const dup = pick(r, ['From', 'To', 'Call-ID', 'CSeq', 'Content-Length']);
    const lines = invite(t, n).split('\r\n');
    const i = lines.findIndex((l) => l.startsWith(`${dup}:`));
    lines.splice(i, 0, `${dup}: ${pick(r, ['<sip:x@y>;tag=1', '2 BYE', 'other@id', '5'])}`);
    return lines.join('\r\n');
  },
  'cseq-broken': (r, t, n) => invite(t, n).replace('CSeq: 1 INVITE', `CSeq: ${pick(r, ['', 'INVITE', '-1 INVITE', '99999999999 INVITE', '1 BYE', '1'])}`),
  'via-broken': (r, t, n) => invite(t, n).replace(/Via: .*/, `Via: ${pick(r, ['', 'SIP/2.0/UDP', 'SIP/2.0/XYZ 1.2.3.4', 'SIP/2.0/UDP 127.0.0.1:99999', 'SIP/2.0/UDP [::1', 'SIP/2.0/UDP 127.0.0.1;branch=', ';;;;'])}`),
  'uri-broken': (r, t, n) => invite(t, n, { uri: pick(r, ['sip:', 'sip:@', 'sip:%', 'sip:%zz@x', `sip:${t.did}@`, 'tel:', '<>', 'sip:a@b:c:d', `sip:${'9'.repeat(3000)}@x`, 'sips:[::1', 'sip:a@[zz]']) }),
  'from-broken': (r, t, n) => invite(t, n, { from: pick(r, ['', '<', '"unterminated <sip:a@b>', '<sip:a@b', 'sip:', `"${'x'.repeat(5000)}" <sip:a@b>`, '<sip:%ZZ@b>']) }),
  'display-not-utf8': (_r, t, n) => {
    // A caller name with bytes that are not UTF-8: FreeSWITCH passes them on percent-encoded as they are.
    const head = Buffer.from(invite(t, n, { from: `"Caller-${n}-XX" <sip:fuzz${n}@${t.domain}>` }));
    const at = head.indexOf(`Caller-${n}-XX`) + `Caller-${n}-`.length;
    head[at] = 0xff;
    head[at + 1] = 0xe0;
    return head;
  },
  'sdp-broken': (r, t, n) =>
    invite(t, n, {
      body: pick(r, [
        'v=0\r\n',
        'garbage',
        SDP(40_000).replace('m=audio 40000', 'm=audio 99999'),
        SDP(40_000).replace('m=audio 40000 RTP/AVP 0 101', 'm=audio -1 RTP/AVP'),
        SDP(40_000).replace('c=IN IP4 127.0.0.1', 'c=IN IP4 999.1.1'),
        SDP(40_000).replace('c=IN IP4 127.0.0.1', 'c=IN IP6 zz'),
        SDP(40_000).replace('a=rtpmap:0 PCMU/8000', `a=rtpmap:0 ${'P'.repeat(4000)}/8000`),
        `${SDP(40_000)}${'a=x\r\n'.repeat(500)}`,
        SDP(40_000).replace(/\r\n/g, '\n'),
        'v=0\r\nm=video 1 RTP/AVP 96\r\nm=audio 2 RTP/AVP 8\r\n',
      ]),
    }),
  'method-wrong': (r, t, n) => request(pick(r, ['FOO', 'invite', 'INVITEX', 'GET', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'MESSAGE', 'INFO', 'UPDATE', 'PRACK', 'REFER', 'BYE', 'CANCEL', 'ACK', '']), t, n, r() < 0.5 ? { body: SDP(40_000) } : {}),
  'in-dialog-unknown': (r, t, n) => request(pick(r, ['BYE', 'INFO', 'REFER', 'UPDATE', 'NOTIFY']), t, n).replace(`To: <sip:${t.did}@${t.domain}>`, `To: <sip:${t.did}@${t.domain}>;tag=unknown${n}`),
  'version-wrong': (r, t, n) => invite(t, n).replace(/ SIP\/2\.0\r\n/, pick(r, [' SIP/3.0\r\n', ' HTTP/1.1\r\n', '\r\n', ' SIP/2.0 extra\r\n'])),
  'line-endings': (r, t, n) => invite(t, n).replace(/\r\n/g, pick(r, ['\n', '\r', '\r\r\n', '\n\r'])),
  'response-unsolicited': (r, t, n) => `SIP/2.0 ${pick(r, ['200 OK', '180 Ringing', '487 Terminated', '999 Nope', 'abc'])}\r\n${invite(t, n).split('\r\n').slice(1).join('\r\n')}`,
  register: (r, t, n) => request('REGISTER', t, n, { uri: `sip:${t.domain}`, headers: [pick(r, ['Expires: -5', 'Expires: 99999999999', 'Authorization: Digest', 'Authorization: Digest username="1001", nonce=, response="x"', 'Contact: *', 'Expires: abc'])] }),
  'random-bytes': (r) => bytes(r, 1 + Math.floor(r() * 1400)),
  'byte-flips': (r, t, n) => {
    const m = Buffer.from(invite(t, n));
    const flips = 1 + Math.floor(r() * 8);
    for (let i = 0; i < flips; i++) m[Math.floor(r() * m.length)] = Math.floor(r() * 256);
    return m;
  },
  'nul-bytes': (r, t, n) => {
    const m = Buffer.from(invite(t, n));
    m[Math.floor(r() * m.length)] = 0;
    return m;
  },
};

/** `count` malformed messages from `seed`, cycling through every mutation. */
export function fuzzMessages(seed: number, count: number, target: FuzzTarget, kinds: string[] = Object.keys(MUTATIONS)): FuzzMessage[] {
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    const out = MUTATIONS[kind]!(r, target, seed * 100_000 + i);
    return { kind, bytes: Buffer.isBuffer(out) ? out : Buffer.from(out, 'latin1') };
  });
}

/**
 * Sends the messages over UDP from one socket bound to `from` (another
 * loopback address stands for a scanner's own), `perSecond` at most, and
 * counts what came back. UDP datagrams over 65,507 bytes are cut there.
 */
export async function sendFuzz(messages: FuzzMessage[], target: FuzzTarget, perSecond = 1_000, from = '127.0.0.1'): Promise<{ sent: number; responses: number }> {
  const sock = createSocket('udp4');
  let responses = 0;
  sock.on('message', () => responses++);
  await new Promise<void>((resolve) => sock.bind(0, from, resolve));
  const gapMs = 1_000 / perSecond;
  const start = performance.now();
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!.bytes.subarray(0, 65_507);
    await new Promise<void>((resolve) => sock.send(m, target.port, target.host, () => resolve()));
    const due = start + (i + 1) * gapMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  }
  await new Promise((r) => setTimeout(r, 500));
  sock.close();
  return { sent: messages.length, responses };
}

/** Sends one request from `from` and resolves with its final response's text, or 'timeout'. */
export async function exchange(target: FuzzTarget, message: string, from = '127.0.0.1', timeoutMs = 5_000): Promise<string | 'timeout'> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, from, resolve));
  return new Promise((resolve) => {
    const done = (v: string | 'timeout') => {
      clearTimeout(timer);
      sock.close();
      resolve(v);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    sock.on('message', (m) => {
      const text = m.toString('latin1');
      if (Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1]) >= 200) done(text);
    });
    sock.send(Buffer.from(message, 'latin1'), target.port, target.host);
  });
}

/** Sends one request (a valid INVITE to `target.did` unless given) and resolves with the status of its final response, or 'timeout'. */
export async function finalStatus(target: FuzzTarget, message?: string, timeoutMs = 5_000, from = '127.0.0.1'): Promise<number | 'timeout'> {
  const text = message ?? request('INVITE', target, Math.floor(Math.random() * 1e9), { body: SDP(49_000) });
  const r = await exchange(target, text, from, timeoutMs);
  return r === 'timeout' ? r : Number(/^SIP\/2\.0 (\d{3})/.exec(r)?.[1]);
}

/** A REGISTER for `user`, optionally with headers (Authorization, User-Agent). */
export function registerRequest(target: FuzzTarget, user: string, n: number, headers: string[] = []): string {
  return request('REGISTER', { ...target, did: user }, n, { uri: `sip:${target.domain}`, headers: ['Expires: 60', ...headers] })
    .replace(/^From: [^\r\n]*/m, `From: <sip:${user}@${target.domain}>;tag=r${n}`)
    .replace(/^To: [^\r\n]*/m, `To: <sip:${user}@${target.domain}>`)
    .replace(/^User-Agent: [^\r\n]*\r\n/m, '');
}
