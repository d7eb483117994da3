/**
 * Real stack: a supervisor listens to, whispers to and barges into a call.
 * The caller's phone plays 440 Hz, the agent's 880 Hz, the supervisor's
 * 660 Hz. FreeSWITCH records what each party is sent, and the tones in those
 * recordings say who hears whom in each mode.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FreeSwitchClient } from 'esl-lite';
import pino from 'pino';
import t from 'tap';
import { parseWav } from '../../src/audio/wav.js';
import { toneShare } from '../support/audio.js';
import { findStack, peerDir, PORTS, registerAgent, SIPP_DIR, startSipp, startStack, waitFor } from './harness.js';

const found = findStack();
const CALLER = 440;
const AGENT = 880;
const SUPERVISOR = 660;

t.test('a supervisor listens, whispers and barges in', { skip: found.ok ? false : found.missing, timeout: 150_000 }, async (t) => {
  if (!found.ok) return;
  const stack = await startStack(found.bins, { agents: 2 });
  t.teardown(() => stack.stop());
  const agents = path.join(stack.configDir, 'agents.yaml');
  writeFileSync(agents, readFileSync(agents, 'utf8').replace(/(  agent2:\n)/, '$1    supervises: [support]\n'));
  t.equal((await stack.daemon.reload()).ok, true, 'agent2 now supervises the support queue');

  const agentPhone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16000', '-mp', '16200', '-d', '100'], peerDir(stack, 'agent', AGENT, 30));
  t.teardown(() => agentPhone.stop());
  const supervisorPhone = await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer.xml'), '-i', '127.0.0.1', '-p', '16010', '-mp', '16230', '-d', '100'], peerDir(stack, 'supervisor', SUPERVISOR, 30));
  t.teardown(() => supervisorPhone.stop());
  t.equal((await registerAgent(stack, stack.agents[0]!, 16000)).code, 0);
  t.equal((await registerAgent(stack, stack.agents[1]!, 16010)).code, 0);
  const call = (method: string, url: string, body?: object) =>
    fetch(`${stack.daemon.httpAddress}${url}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body: JSON.stringify(body) } : {}) });
  t.equal((await call('PUT', '/api/agents/agent2/presence', { presence: 'standby' })).status, 200, 'the supervisor takes no calls');

  const caller = await startSipp(found.bins, [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'caller.xml'), '-s', '+15550100', '-i', '127.0.0.1', '-p', '16100', '-mp', '16400', '-m', '1', '-d', '40000', '-timeout', '60s'], peerDir(stack, 'caller', CALLER, 45));
  t.teardown(() => caller.stop());
  const row = await waitFor('the call to be bridged', async () => {
    const c = ((await stack.http('/api/calls?limit=1')) as { calls: { id: string; agent_answered_at: number | null; caller_uuid: string; agent_uuid: string }[] }).calls[0];
    return c?.agent_answered_at ? c : undefined;
  });

  const refused = await call('POST', `/api/calls/${row.id}/monitor`, { supervisor: 'agent1' });
  t.equal(refused.status, 409, 'the agent on the call cannot monitor it');
  const badMode = await call('POST', `/api/calls/${row.id}/monitor`, { supervisor: 'agent2', mode: 'shout' });
  t.equal(badMode.status, 400, 'an unknown mode is a 400');
  t.match(((await badMode.json()) as { error: string }).error, /mode/);

  t.equal((await call('POST', `/api/calls/${row.id}/monitor`, { supervisor: 'agent2', mode: 'listen' })).status, 202, 'monitoring starts ringing the supervisor');
  const timeline = async () => ((await stack.http(`/api/calls/${row.id}`)) as { timeline: { type: string; data?: Record<string, unknown> }[] }).timeline;
  await waitFor('monitoring to start', async () => ((await timeline()).some((e) => e.type === 'monitor-started') ? true : undefined));

  const esl = new FreeSwitchClient({ host: '127.0.0.1', port: PORTS.eslPort, password: 'ClueCon', logger: pino({ level: 'silent' }) });
  t.teardown(() => esl.end());
  const api = async (cmd: string) => {
    const r = await esl.bgapi(cmd, 3_000);
    return r instanceof Error ? '' : String(r.body.response ?? '');
  };
  const supervisorUuid = (await timeline()).find((e) => e.type === 'monitor-started')?.data?.uuid as string | undefined;
  t.equal(await api(`uuid_exists ${supervisorUuid}`).then((x) => x.trim()), 'true', "the supervisor's leg is in FreeSWITCH");

  /** Records for 2 s what each party is sent, and returns each recording's tone shares. */
  const hears = async (phase: string) => {
    const legs = { caller: row.caller_uuid, agent: row.agent_uuid, supervisor: supervisorUuid! };
    const files: Record<string, string> = {};
    for (const [who, uuid] of Object.entries(legs)) {
      files[who] = path.join(stack.dir, `${phase}-${who}.wav`);
      await api(`uuid_setvar ${uuid} RECORD_WRITE_ONLY true`);
      await api(`uuid_record ${uuid} start ${files[who]}`);
    }
    await new Promise((r) => setTimeout(r, 2_000));
    for (const [who, uuid] of Object.entries(legs)) await api(`uuid_record ${uuid} stop ${files[who]}`);
    await waitFor('the recordings to be written', () => (Object.values(files).every((f) => existsSync(f)) ? true : undefined), 5_000);
    const shares = (who: string) => {
      const wav = parseWav(readFileSync(files[who]!));
      return { caller: toneShare(wav.samples, wav.sampleRate, CALLER), agent: toneShare(wav.samples, wav.sampleRate, AGENT), supervisor: toneShare(wav.samples, wav.sampleRate, SUPERVISOR) };
    };
    return { caller: shares('caller'), agent: shares('agent'), supervisor: shares('supervisor') };
  };
  const fmt = (s: Record<string, number>) => Object.entries(s).map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`).join(', ');
  const heard = (share: number) => share > 0.1;

  const listen = await hears('listen');
  t.ok(heard(listen.supervisor.caller) && heard(listen.supervisor.agent), `listen: the supervisor hears caller and agent (${fmt(listen.supervisor)})`);
  t.notOk(heard(listen.caller.supervisor), `listen: the caller does not hear the supervisor (${fmt(listen.caller)})`);
  t.notOk(heard(listen.agent.supervisor), `listen: the agent does not hear the supervisor (${fmt(listen.agent)})`);

  t.equal((await call('PUT', `/api/calls/${row.id}/monitor`, { supervisor: 'agent2', mode: 'whisper' })).status, 200);
  await new Promise((r) => setTimeout(r, 300));
  const whisper = await hears('whisper');
  t.ok(heard(whisper.agent.supervisor), `whisper: the agent hears the supervisor (${fmt(whisper.agent)})`);
  t.notOk(heard(whisper.caller.supervisor), `whisper: the caller does not (${fmt(whisper.caller)})`);

  t.equal((await call('PUT', `/api/calls/${row.id}/monitor`, { supervisor: 'agent2', mode: 'barge' })).status, 200);
  await new Promise((r) => setTimeout(r, 300));
  const barge = await hears('barge');
  t.ok(heard(barge.caller.supervisor), `barge: the caller hears the supervisor (${fmt(barge.caller)})`);
  t.ok(heard(barge.agent.supervisor), `barge: the agent hears the supervisor (${fmt(barge.agent)})`);

  // The supervisor leaves; the call goes on.
  t.equal((await call('DELETE', `/api/calls/${row.id}/monitor/agent2`)).status, 204);
  await waitFor('monitoring to end', async () => ((await timeline()).some((e) => e.type === 'monitor-ended') ? true : undefined));
  t.equal(await api(`uuid_exists ${row.agent_uuid}`).then((s) => s.trim()), 'true', "the agent's leg is still up after the supervisor left");
  t.same((await timeline()).filter((e) => e.type.startsWith('monitor-')).map((e) => [e.type, e.data?.mode]), [
    ['monitor-ringing', 'listen'],
    ['monitor-started', 'listen'],
    ['monitor-mode', 'whisper'],
    ['monitor-mode', 'barge'],
    ['monitor-ended', undefined],
  ], 'the timeline has the supervision steps');
});
