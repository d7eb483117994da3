import t from 'tap';
import { LocationService, type Binding } from '../../../src/sip/location.js';
import { natProxyFor } from '../../../src/sip/registrar.js';

const b = (contact: string, source = 'udp:127.0.0.1:5070'): Binding => ({ aor: '1001', contact, expiresAt: 0, source, transport: 'udp', registeredAt: 0 });

t.test('bindings expire, refresh, and report reachability only when it flips', async (t) => {
  const loc = new LocationService();
  t.same(loc.update(b('sip:1001@127.0.0.1:5070'), 60, 0), { aor: '1001', reachable: true });
  t.equal(loc.update(b('sip:1001@10.0.0.2:5060'), 60, 1_000), undefined, 'a second device does not flip reachability');
  t.equal(loc.bindings('1001', 2_000).length, 2);
  t.equal(loc.update(b('sip:1001@10.0.0.2:5060'), 0, 3_000), undefined, 'unregistering one device keeps the AOR reachable');
  t.same(loc.sweep(61_000), [{ aor: '1001', reachable: false }]);
  t.equal(loc.reachable('1001', 61_000), false);
});

t.test('NAT: requests go to the source when the Contact names another host', async (t) => {
  t.equal(natProxyFor(b('sip:1001@127.0.0.1:5070')), undefined);
  t.equal(natProxyFor(b('sip:1001@192.168.1.20:5060', 'udp:203.0.113.9:40000')), 'sip:203.0.113.9:40000;transport=udp');
  t.equal(natProxyFor(b('sip:abc@df7jal23ls0d.invalid;transport=ws', 'ws:198.51.100.7:51234')), 'sip:198.51.100.7:51234;transport=ws');
});
