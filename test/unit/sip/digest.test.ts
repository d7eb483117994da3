import t from 'tap';
import { DigestAuthenticator, answerChallenge, parseDigestHeader } from '../../../src/sip/digest.js';

const pw = (u: string) => (u === '1001' ? 's3cret' : undefined);

t.test('a correct answer to our challenge authenticates', async (t) => {
  const auth = new DigestAuthenticator('pbx.local');
  const ch = auth.challenge(1_000);
  const h = answerChallenge(ch, 'REGISTER', 'sip:pbx.local', '1001', 's3cret');
  t.same(auth.verify(h, 'REGISTER', 2_000, pw), { ok: true, username: '1001' });
});

t.test('wrong password, unknown user, forged nonce, other realm and stale nonce are told apart', async (t) => {
  const auth = new DigestAuthenticator('pbx.local', 60_000);
  const ch = auth.challenge(0);
  t.same(auth.verify(answerChallenge(ch, 'REGISTER', 'sip:pbx.local', '1001', 'nope'), 'REGISTER', 1, pw), { ok: false, reason: 'bad-response' });
  t.same(auth.verify(answerChallenge(ch, 'REGISTER', 'sip:pbx.local', '9999', 'x'), 'REGISTER', 1, pw), { ok: false, reason: 'unknown-user' });
  const forged = ch.replace(/nonce="[^"]+"/, 'nonce="1.deadbeef"');
  t.same(auth.verify(answerChallenge(forged, 'REGISTER', 'sip:pbx.local', '1001', 's3cret'), 'REGISTER', 1, pw), { ok: false, reason: 'bad-nonce' });
  const other = new DigestAuthenticator('other.realm').challenge(0);
  t.same(auth.verify(answerChallenge(other, 'REGISTER', 'sip:x', '1001', 's3cret'), 'REGISTER', 1, pw), { ok: false, reason: 'wrong-realm' });
  t.same(auth.verify(answerChallenge(ch, 'REGISTER', 'sip:pbx.local', '1001', 's3cret'), 'REGISTER', 120_000, pw), { ok: false, reason: 'stale' });
  t.same(auth.verify('Basic abc', 'REGISTER', 1, pw), { ok: false, reason: 'malformed' });
});

t.test('the header parser handles quoted commas and unquoted values', async (t) => {
  t.same(parseDigestHeader('Digest username="a,b", nc=00000001, qop=auth, realm=""'), { username: 'a,b', nc: '00000001', qop: 'auth', realm: '' });
  t.equal(parseDigestHeader('Bearer x'), undefined);
});
