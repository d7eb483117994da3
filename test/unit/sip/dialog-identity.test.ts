import t from 'tap';
import type Srf from 'drachtio-srf';
import { identityAsUac, identityAsUas, nextCSeq, sourceProxy } from '../../../src/sip/dialog-identity.js';

const message = (headers: Record<string, string>, source?: { address: string; port: number; protocol: string }) => ({
  get: (name: string) => headers[name],
  ...(source ? { source_address: source.address, source_port: source.port, protocol: source.protocol } : {}),
});

t.test('a dialog where the phone called us: our From is its To with our tag; routes in order', async (t) => {
  const invite = message(
    { From: '"Ada" <sip:+1555@carrier.example>;tag=abc', To: '<sip:+15550100@pbx.example>', 'Record-Route': '<sip:p1.example;lr>, <sip:p2.example;lr>' },
    { address: '198.51.100.7', port: 5070, protocol: 'udp' },
  );
  const dialog = { sip: { callId: 'c1', localTag: 'ours', remoteTag: 'abc' }, remote: { uri: 'sip:+1555@10.0.0.5:5060' } } as unknown as Srf.Dialog;
  t.same(identityAsUas(dialog, invite), {
    callId: 'c1',
    from: '<sip:+15550100@pbx.example>;tag=ours',
    to: '"Ada" <sip:+1555@carrier.example>;tag=abc',
    target: 'sip:+1555@10.0.0.5:5060',
    route: ['<sip:p1.example;lr>', '<sip:p2.example;lr>'],
    proxy: 'sip:198.51.100.7:5070;transport=udp',
  });
});

t.test('a dialog where we called the phone: routes reversed, the ring proxy kept', async (t) => {
  const dialog = {
    sip: { callId: 'c2', localTag: 'ours', remoteTag: 'theirs' },
    remote: { uri: 'sip:1001@abc.invalid;transport=ws' },
    req: message({ From: '<sip:+1555@pbx.example>;tag=ours' }),
    res: message({ To: '<sip:1001@pbx.example>;tag=theirs', 'Record-Route': '<sip:a;lr>, <sip:b;lr>' }),
  } as unknown as Srf.Dialog;
  t.same(identityAsUac(dialog, 'sip:127.0.0.1:40000;transport=ws'), {
    callId: 'c2',
    from: '<sip:+1555@pbx.example>;tag=ours',
    to: '<sip:1001@pbx.example>;tag=theirs',
    target: 'sip:1001@abc.invalid;transport=ws',
    route: ['<sip:b;lr>', '<sip:a;lr>'],
    proxy: 'sip:127.0.0.1:40000;transport=ws',
  });
});

t.test('source proxy only when the Contact names another host', async (t) => {
  t.equal(sourceProxy('sip:a@192.0.2.1:5060', { get: () => undefined, source_address: '192.0.2.1', source_port: 5060, protocol: 'udp' }), undefined);
  t.equal(sourceProxy('sip:a@10.1.1.1', { get: () => undefined, source_address: '2001:db8::1', source_port: '5062', protocol: 'TCP' }), 'sip:[2001:db8::1]:5062;transport=tcp');
});

t.test('CSeq: above what sofia-sip took at the dialog start, and increasing', async (t) => {
  const start = Date.UTC(2026, 10, 21, 12, 0, 0);
  const sofiaAtStart = ((Math.floor(start / 1000) + 2_208_988_800) >>> 1) & 0x7ffffff;
  const later = nextCSeq(start + 60_000);
  t.ok(later > sofiaAtStart + 30, `${later} > ${sofiaAtStart} plus the requests of a minute`);
  t.ok(nextCSeq(start + 60_000) > later, 'two requests in the same second still increase');
  t.ok(later < 2 ** 31, 'and stay within 31 bits');
});
