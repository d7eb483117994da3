import t from 'tap';
import { unanswerable } from '../../../src/sip/drachtio-shield.js';

t.test('requests drachtio-server would crash on answering are recognised', async (t) => {
  const contact = '<sip:a@203.0.113.9:5060>';
  // Each of these segfaulted drachtio-server 0.9.10 on the first response (found by the SIP fuzz test).
  for (const [uri, c] of [['<>', contact], ['x', contact], ['foo:bar', contact], ['', contact], ['sip:', contact], ['sip:+15550199@127.0.0.1', '<tel:123>']] as const) {
    t.ok(unanswerable('INVITE', uri, c), `INVITE ${JSON.stringify(uri)} with Contact ${c}`);
  }
  t.ok(unanswerable('SUBSCRIBE', '<>', contact), 'SUBSCRIBE takes the same path in drachtio');
  t.ok(unanswerable('INVITE', 'sip:1@x', 'tel:123;expires=5'), 'a Contact without angle brackets');
  t.ok(unanswerable('INVITE', 'sip:1@x', '\x07<sip:fuzz@127.0.0.1:5999>'), 'a control character before the < (sofia: scheme "\\a<sip", no host)');
  t.ok(unanswerable('INVITE', 'sip:1@x', '<sip:fuzz@127.0.0.1:5999'), 'an unclosed <');
  t.ok(unanswerable('INVITE', 'sip:1@x', '<sip:fu\x00zz@127.0.0.1>'), 'a NUL inside');
  t.ok(unanswerable('INVITE', 'sip:1\x07@x', '<sip:a@b>'), 'a control character in the request-URI');
});

t.test('every ordinary request is answered as usual', async (t) => {
  for (const [uri, c] of [
    ['sip:+15550100@pbx.example.com', '<sip:caller@198.51.100.7:5060>'],
    ['sip:+15550100@127.0.0.1:15060;transport=udp', '"Alice" <sip:alice@10.0.0.5:5062;transport=udp>;expires=60'],
    ['sips:1001@[2001:db8::1]:5061', '<sips:1001@[2001:db8::2]:5061>'],
    ['tel:+15550100', '<sip:gw.example.net>'],
    ['SIP:1001@pbx.local', 'sip:1001@10.1.1.1'],
    ['sip:1001@pbx.local', undefined],
    ['sip:1001@pbx.local', '"Smith, John \\"JJ\\"" <sip:john@10.0.0.5:5060;ob>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";reg-id=1'],
    ['sip:1001@pbx.local', '<sip:a@b.c;transport=tcp>;expires=3600, <sip:a@d.e>'],
    ['sip:1001@pbx.local', 'Bob <sip:bob@[2001:db8::9]>'],
  ] as const) {
    t.equal(unanswerable('INVITE', uri, c), undefined, `INVITE ${uri} with Contact ${c ?? '(none)'}`);
  }
  t.equal(unanswerable('REGISTER', '<>', '<tel:1>'), undefined, 'REGISTER builds no dialog in drachtio: answered (and refused) as usual');
  t.equal(unanswerable('OPTIONS', 'x', undefined), undefined);
});
