import t from 'tap';
import { SourceGuard, type GuardPolicy } from '../../../src/core/security/source-guard.js';
import { pick, rng } from '../../support/random.js';

const policy = (p: Partial<GuardPolicy> = {}): GuardPolicy => ({ maxFailures: 3, windowMs: 10_000, banMs: 60_000, perSecond: 5, burst: 10, allow: [], maxSources: 1000, ...p });

t.test('failures within the window ban the source; the ban ends by itself', async (t) => {
  const g = new SourceGuard(policy());
  t.same(g.check('203.0.113.5', 0), { ok: true });
  t.equal(g.failure('203.0.113.5', 1_000), undefined);
  t.equal(g.failure('203.0.113.5', 2_000), undefined);
  t.same(g.failure('203.0.113.5', 3_000), { source: '203.0.113.5', untilMs: 63_000, failures: 3 }, 'the third failure bans');
  t.same(g.check('203.0.113.5', 4_000), { ok: false, reason: 'banned', untilMs: 63_000 });
  t.same(g.check('198.51.100.1', 4_000), { ok: true }, 'another source is not affected');
  t.same(g.bans(4_000).map((b) => b.source), ['203.0.113.5']);
  t.same(g.check('203.0.113.5', 63_000), { ok: true }, 'allowed again once the ban has run out');
  t.equal(g.failuresOf('203.0.113.5', 63_000), 0, 'and its count starts afresh');
});

t.test('failures spread wider than the window do not ban; a success clears the count', async (t) => {
  const g = new SourceGuard(policy());
  g.failure('a', 0);
  g.failure('a', 6_000);
  t.equal(g.failure('a', 11_000), undefined, 'the first failure has left the window');
  g.success('a', 11_500);
  t.equal(g.failuresOf('a', 11_500), 0);
  g.failure('a', 12_000);
  t.equal(g.failure('a', 12_500), undefined, 'two after the success');
});

t.test('allow-listed networks are never banned nor limited; IPv4-mapped IPv6 counts as IPv4', async (t) => {
  const g = new SourceGuard(policy({ allow: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'] }));
  for (let i = 0; i < 100; i++) g.failure('10.1.2.3', i);
  t.same(g.check('10.1.2.3', 200), { ok: true });
  for (let i = 0; i < 100; i++) t.same(g.check('::ffff:10.9.9.9', 300), { ok: true });
  t.ok(g.allowed('2001:db8::1'));
  t.ok(g.allowed('192.0.2.7'));
  t.notOk(g.allowed('192.0.2.8'));
  t.notOk(g.allowed('not an address'));
  t.ok(SourceGuard.isAddressOrCidr('fd00::/8'));
  t.notOk(SourceGuard.isAddressOrCidr('10.0.0.0/33'));
  t.notOk(SourceGuard.isAddressOrCidr('office'));
});

t.test('rate: a burst, then perSecond; refusals for rate are not failures', async (t) => {
  const g = new SourceGuard(policy());
  const ok = Array.from({ length: 15 }, () => g.check('a', 0).ok).filter(Boolean).length;
  t.equal(ok, 10, 'the burst passes, the rest is refused');
  t.same(g.check('a', 100), { ok: false, reason: 'rate' });
  t.same(g.check('a', 200), { ok: true }, 'one token back after 200 ms at 5/s');
  t.equal(g.failuresOf('a', 200), 0);
  t.same(g.bans(200), []);
});

t.test('unban by hand', async (t) => {
  const g = new SourceGuard(policy({ maxFailures: 1 }));
  g.failure('a', 0);
  t.equal(g.check('a', 1).ok, false);
  t.ok(g.unban('a', 1));
  t.notOk(g.unban('a', 1), 'nothing left to lift');
  t.equal(g.check('a', 2).ok, true);
});

t.test('memory stays bounded under a flood from many addresses; banned ones are kept', async (t) => {
  const g = new SourceGuard(policy({ maxSources: 100, maxFailures: 1 }));
  g.failure('198.51.100.1', 0);
  for (let i = 0; i < 10_000; i++) g.check(`203.0.${i >> 8}.${i & 255}`, 1 + i);
  t.ok(g.tracked <= 100, `tracked ${g.tracked}`);
  t.equal(g.check('198.51.100.1', 20_000).ok, false, 'the banned source was not forgotten');
});

/**
 * 100,000 random events over a handful of sources against a naive model
 * that keeps every event: bans start exactly when the model counts
 * maxFailures in the window, nobody allow-listed is refused, no source gets
 * more than burst + perSecond requests through in any second, and memory
 * stays bounded.
 */
t.test('randomized: 100,000 events agree with a naive model', async (t) => {
  const r = rng(1234);
  const p = policy({ maxFailures: 4, windowMs: 3_000, banMs: 5_000, perSecond: 20, burst: 8, allow: ['10.0.0.0/8'], maxSources: 1_000 });
  const g = new SourceGuard(p);
  const sources = ['10.0.0.1', '203.0.113.1', '203.0.113.2', '198.51.100.9', '2001:db8::5', '::ffff:203.0.113.1'];
  const model = new Map<string, { failures: number[]; bannedUntil?: number; accepted: number[] }>();
  const m = (s: string) => model.get(s) ?? (model.set(s, { failures: [], accepted: [] }), model.get(s)!);
  let now = 0;
  let violations = 0;
  const fail = (what: string) => {
    violations++;
    if (violations < 5) t.fail(what);
  };
  for (let i = 0; i < 100_000; i++) {
    now += Math.floor(r() * 120);
    const source = pick(r, sources);
    const allowed = source.startsWith('10.');
    const st = m(source);
    if (st.bannedUntil !== undefined && now >= st.bannedUntil) {
      delete st.bannedUntil;
      st.failures = [];
    }
    const kind = pick(r, ['check', 'check', 'check', 'failure', 'failure', 'success', 'unban']);
    if (kind === 'check') {
      const v = g.check(source, now);
      if (allowed && !v.ok) fail(`allow-listed ${source} refused at ${now}`);
      const banned = st.bannedUntil !== undefined;
      if (!allowed && banned !== (!v.ok && v.reason === 'banned')) fail(`${source} at ${now}: model banned=${banned}, guard ${JSON.stringify(v)}`);
      if (v.ok && !allowed) {
        st.accepted = st.accepted.filter((a) => now - a < 1_000);
        st.accepted.push(now);
        if (st.accepted.length > p.burst + p.perSecond) fail(`${source} got ${st.accepted.length} requests through within a second`);
      }
    } else if (kind === 'failure') {
      const ban = g.failure(source, now);
      if (!allowed && st.bannedUntil === undefined) {
        st.failures = st.failures.filter((f) => now - f < p.windowMs);
        st.failures.push(now);
        const shouldBan = st.failures.length >= p.maxFailures;
        if (shouldBan !== (ban !== undefined)) fail(`${source} at ${now}: ${st.failures.length} failures in window, ban=${JSON.stringify(ban)}`);
        if (shouldBan) {
          st.bannedUntil = now + p.banMs;
          st.failures = [];
        }
      } else if (ban) fail(`ban for ${allowed ? 'allow-listed' : 'already banned'} ${source}`);
    } else if (kind === 'success') {
      g.success(source, now);
      st.failures = [];
    } else {
      const lifted = g.unban(source, now);
      if (lifted !== (st.bannedUntil !== undefined && !allowed)) fail(`unban of ${source} at ${now}: ${lifted}`);
      if (st.bannedUntil !== undefined) {
        delete st.bannedUntil;
        st.failures = [];
      }
    }
    if (g.tracked > p.maxSources) fail(`tracking ${g.tracked} sources`);
  }
  t.equal(violations, 0, 'no event disagreed with the model');
});
