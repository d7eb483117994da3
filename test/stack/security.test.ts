/**
 * Real stack, the SIP door: scanners get a bare 603 from drachtio-server
 * itself and never reach the daemon, repeated wrong passwords ban the address (and only it) until an
 * admin lifts the ban, and an agent cannot transfer a call to an external
 * number without permission (the REFER is refused, the call stays up).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import t from 'tap';
import { exchange, registerRequest, request } from '../support/sip-fuzz.js';
import { findStack, peerDir, PORTS, registerAgent, runSipp, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';

const found = findStack();
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const target = { host: '127.0.0.1', port: PORTS.drachtioSip, did: '1001', domain: 'test.local' };
const status = (r: string | 'timeout') => (r === 'timeout' ? r : Number(/^SIP\/2\.0 (\d{3})/.exec(r)?.[1]));

/** A REGISTER for 1001 answered to its challenge with `password`, from `from`: the final status. */
async function register(password: string, from: string, n: number): Promise<number | 'timeout'> {
  const challenge = await exchange(target, registerRequest(target, '1001', n), from);
  if (challenge === 'timeout' || status(challenge) !== 401) return status(challenge);
  const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] ?? '';
  const uri = `sip:${target.domain}`;
  const response = md5(`${md5(`1001:${target.domain}:${password}`)}:${nonce}:${md5(`REGISTER:${uri}`)}`);
  const auth = `Authorization: Digest username="1001", realm="${target.domain}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5`;
  return status(await exchange(target, registerRequest(target, '1001', n + 1, [auth]), from));
}

t.test('the SIP door: scanners, password guessing, toll fraud', { skip: found.ok ? false : found.missing, timeout: 120_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startStack(found.bins, {
    sipSecurity: '{ maxFailures: 3, windowSec: 60, banSec: 600 }',
    queueYaml: 'queues:\n  support: { members: [agent1], offerTimeoutSec: 10, wrapUpSec: 0 }\ntrunks:\n  pstn: { uri: "sip:127.0.0.1:16050" }\n',
  });
  t.teardown(() => stack.stop());
  const password = stack.agents[0]!.password;

  const scanned = await exchange(target, registerRequest(target, '1001', 1, ['User-Agent: friendly-scanner']), '127.0.0.3', 2_000);
  t.equal(status(scanned), 603, 'a scanner gets 603 from drachtio-server itself');
  t.notMatch(scanned, /WWW-Authenticate/, 'and no challenge: nothing to learn');
  t.equal(status(await exchange(target, registerRequest(target, '1001', 2, ['User-Agent: Yealink SIP-T46U']), '127.0.0.3')), 401, 'a phone from the same address is challenged as usual');
  // Each of these would count toward a ban if it reached the daemon (a call to a number that does not exist).
  const scans = [];
  for (let i = 0; i < 12; i++) scans.push(status(await exchange({ ...target, did: `+4420${i}` }, request('INVITE', { ...target, did: `+4420${i}` }, 100 + i).replace('User-Agent: fuzzer', 'User-Agent: friendly-scanner'), '127.0.0.3', 1_000)));
  t.same([...new Set(scans)], [603], 'twelve scanner INVITEs to unknown numbers: 603 each');
  t.same(((await stack.http('/api/security/bans')) as { bans: unknown[] }).bans, [], 'none reached the daemon (it would have banned the address)');

  const guesses = [await register('guess-1', '127.0.0.4', 10), await register('guess-2', '127.0.0.4', 20), await register('guess-3', '127.0.0.4', 30)];
  t.same(guesses, [403, 403, 403], 'three wrong passwords are refused');
  t.equal(await register(password, '127.0.0.4', 40), 403, 'then the address is banned: even the right password is refused');
  t.equal(await register(password, '127.0.0.5', 50), 200, 'another address registers with it');
  const bans = (await stack.http('/api/security/bans')) as { bans: { source: string }[] };
  t.same(bans.bans.map((b) => b.source), ['127.0.0.4'], 'the ban is listed');
  const lifted = await fetch(`${stack.daemon.httpAddress}/api/security/bans/127.0.0.4`, { method: 'DELETE' });
  t.equal(lifted.status, 200, 'an admin lifts it');
  t.equal(await register(password, '127.0.0.4', 60), 200, 'and the address may register again');

  // Toll fraud: agent1 has no mayCallExternal; its REFER to a premium-rate number is refused and the call stays.
  const phone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-transfer-refused.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-d', '1000', '-key', 'target', '+19005551234', '-key', 'domain', 'test.local', '-m', '1'], peerDir(stack, 'agent', 880));
  t.teardown(() => phone.stop());
  t.equal((await registerAgent(stack, stack.agents[0]!, 16000)).code, 0, 'the agent registers');
  const caller = await runSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16100', '-mp', '16400', '-m', '1', '-d', '4000', '-timeout', '30s', '-timeout_error'], peerDir(stack, 'caller', 440), 40_000);
  t.equal(caller.code, 0, 'the call goes on to its end after the refused transfer');
  await waitFor("the agent's phone to finish its scenario (REFER answered 403, then the BYE)", () => (phone.proc.exitCode !== null ? true : undefined), 10_000);
  t.equal(phone.proc.exitCode, 0, 'the REFER was answered 403');
  const calls = (await stack.http('/api/calls?limit=1')) as { calls: { id: string; disposition: string }[] };
  const detail = (await stack.http(`/api/calls/${calls.calls[0]!.id}`)) as { timeline: { type: string; data?: { reason?: string } }[] };
  t.match(detail.timeline.find((e) => e.type === 'external-refused')?.data, { reason: 'agent-not-allowed' }, 'the timeline says why');
  t.notOk(detail.timeline.some((e) => e.type === 'transferred'), 'the call was not transferred');
  t.equal(calls.calls[0]!.disposition, 'answered');
});
