/**
 * Real stack: a SIP.js user agent (the library the softphone is built on)
 * registers over WebSocket, and over secure WebSocket with the configured
 * certificate, with digest authentication; then unregisters.
 */
import t from 'tap';
import { Registerer, RegistererState, UserAgent } from 'sip.js';
import WebSocket from 'ws';
import { selfSignedCert } from '../support/tls.js';
import { findStack, PORTS, startStack, waitFor } from './harness.js';

const found = findStack();

// Node 20 has no WebSocket global; SIP.js's transport takes the standard one. The test's
// certificate is self-signed, so the client accepts it.
(globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { rejectUnauthorized: false });
  }
};

async function register(server: string, user: string, password: string): Promise<{ ua: UserAgent; registerer: Registerer }> {
  const ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${user}@test.local`),
    authorizationUsername: user,
    authorizationPassword: password,
    transportOptions: { server },
    logLevel: 'error',
  });
  await ua.start();
  const registerer = new Registerer(ua, { expires: 120 });
  const registered = new Promise<void>((resolve, reject) => {
    registerer.stateChange.addListener((s) => {
      if (s === RegistererState.Registered) resolve();
      if (s === RegistererState.Terminated) reject(new Error('registration terminated'));
    });
  });
  await registerer.register({ requestDelegate: { onReject: (r) => void r } });
  await Promise.race([registered, new Promise((_, rej) => setTimeout(() => rej(new Error('no 200 OK to REGISTER')), 5_000))]);
  return { ua, registerer };
}

t.test('SIP.js softphones register over WS and WSS with digest auth', { skip: found.ok ? false : found.missing, timeout: 90_000 }, async (t) => {
  if (!found.ok) return;
  const tls = selfSignedCert();
  const stack = await startStack(found.bins, { agents: 2, ...(tls ? { tls } : {}) });
  t.teardown(() => stack.stop());
  const devices = async (id: string) => {
    const r = (await stack.http('/api/agents')) as { agents: { id: string; devices: { transport: string; contact: string }[] }[] };
    return r.agents.find((a) => a.id === id)!.devices;
  };

  const [a1, a2] = stack.agents;
  const ws = await register(`ws://127.0.0.1:${PORTS.drachtioWs}`, a1!.user, a1!.password);
  t.same((await devices('agent1')).map((d) => d.transport), ['ws'], 'registered over WS');
  await ws.registerer.unregister();
  await waitFor('the WS device to be unregistered', async () => ((await devices('agent1')).length === 0 ? true : undefined), 5_000);
  t.pass('unregistered');
  await ws.ua.stop();

  if (!tls) {
    t.comment('WSS part skipped: openssl is not installed to make a test certificate');
    return;
  }
  const wss = await register(`wss://127.0.0.1:${PORTS.drachtioWss}`, a2!.user, a2!.password);
  t.same((await devices('agent2')).map((d) => d.transport), ['wss'], 'registered over WSS with the configured certificate');
  await wss.ua.stop();

  await t.rejects(register(`ws://127.0.0.1:${PORTS.drachtioWs}`, a1!.user, 'wrong-password'), 'a wrong password is refused');
});
