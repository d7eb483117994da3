/**
 * A progressive campaign on the real stack: FreeSWITCH, drachtio-server and
 * the daemon on loopback, a SIPp carrier whose callees answer by their
 * number's last digit (test/sipp/callee-campaign.xml: 0-4 a person, 5-6 an
 * answering machine, 7 busy, 8-9 nobody; the recordings come from the AMD
 * corpus), and one SIPp phone per agent that answers, talks for the talk
 * time and hangs up. The campaign (AMD on, machines hung up, retries at once)
 * is created and run through the API until it is Completed.
 *
 * Measured:
 *  - the agents' idle time between the end of a wrap-up and their next
 *    connected call (median, p99, max; one sample per gap, per agent);
 *  - calls per agent-hour: connected calls / (agents x the run's hours, run
 *    request -> Completed), and the attempts by outcome.
 *
 * Where the times come from: the daemon's own agent_states table (in the
 * stack's data/pbx.sqlite, read through the daemon's database handle). Each
 * row is stamped with the daemon's clock when the router changes the
 * agent's status (`wrap-up` -> `ready` when the wrap-up timer fires,
 * `offered` -> `on-call` when the agent's phone answers), before it is
 * written, so a slow write never moves it; the /api/events stream carries
 * the same stamps but may drop a message, and SIPp's traces stamp at the
 * phone, not at the daemon. The gap's parts come from the call's own record
 * (calls.arrived_at, answered_at, the amd-verdict in call_events) and from
 * the dialer's commands, seen in-process (which agent each dial was for);
 * they explain the gaps and are not part of the headline.
 *
 * Knobs: CAMPAIGN_CONTACTS (200), CAMPAIGN_AGENTS (10), CAMPAIGN_TALK_MS
 * (3000: the agent phone's talk time), CAMPAIGN_WRAPUP_SEC (2),
 * CAMPAIGN_RING_SEC (5: ringSeconds, what a callee who never answers costs),
 * CAMPAIGN_ATTEMPTS (2: maxAttempts); CAMPAIGN_DUMP=file.json writes the
 * records and the dialer's commands the figures were taken from.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DialerCommand, DialerInput } from '../src/core/campaign/types.js';
import { ALL_DAY, campaignApi, CORPUS, CORPUS_LABELS, writeCarrierClips } from '../test/stack/campaign-support.js';
import { findStack, peerDir, registerAgent, SIPP_DIR, startSipp, startStack, waitFor } from '../test/stack/harness.js';
import { percentile, printTable } from './stats.js';

export interface CampaignBenchOptions {
  contacts: number;
  agents: number;
  talkMs: number;
  wrapUpSec: number;
  ringSec: number;
  maxAttempts: number;
}

export const CAMPAIGN_DEFAULTS: CampaignBenchOptions = {
  contacts: Number(process.env.CAMPAIGN_CONTACTS ?? 200),
  agents: Number(process.env.CAMPAIGN_AGENTS ?? 10),
  talkMs: Number(process.env.CAMPAIGN_TALK_MS ?? 3000),
  wrapUpSec: Number(process.env.CAMPAIGN_WRAPUP_SEC ?? 2),
  ringSec: Number(process.env.CAMPAIGN_RING_SEC ?? 5),
  maxAttempts: Number(process.env.CAMPAIGN_ATTEMPTS ?? 2),
};

const CARRIER_PORT = 16050;
/** Agent i's phone listens on 17000 + 10i (media 17200 + 20i) and registers from 17500 + 10i. */
const phonePort = (i: number) => 17000 + 10 * i;

interface Gap {
  agentId: string;
  readyAt: number;
  connectedAt: number;
  /** ready -> the dialer's first look at the agent as free (its once-a-second tick). */
  seenMs?: number;
  /** Dials the dialer placed for this agent in the gap. */
  dials: number;
  /** ready -> the connected call dialed, when it was dialed in the gap. */
  beforeDialMs?: number;
  /** The connected call's own steps (whoever it was dialed for). */
  call?: { dialToAnswerMs: number; answerToVerdictMs: number; verdictToAgentMs: number };
  /** The person was dialed for another agent (or for none) and the queue offered them to this one. */
  foreign: boolean;
}

export async function benchCampaign(opts: CampaignBenchOptions = CAMPAIGN_DEFAULTS): Promise<Record<string, number> | undefined> {
  const found = findStack();
  if (!found.ok) {
    console.log(`\nProgressive campaign: ${found.missing}`);
    return undefined;
  }
  if (!existsSync(CORPUS_LABELS)) {
    console.log(`\nProgressive campaign: real-stack bench skipped: no AMD corpus at ${CORPUS} (set AMD_CORPUS)`);
    return undefined;
  }
  console.log(
    `\nProgressive campaign: starting FreeSWITCH, drachtio-server and the daemon; ${opts.contacts} contacts, ${opts.agents} agents, talk ${opts.talkMs} ms, wrap-up ${opts.wrapUpSec} s, ring ${opts.ringSec} s, ${opts.maxAttempts} attempts...`,
  );
  const members = Array.from({ length: opts.agents }, (_, i) => `agent${i + 1}`);
  const stack = await startStack(found.bins, {
    agents: opts.agents,
    logLevel: 'warn',
    queueYaml: `queues:
  outbound: { members: [${members.join(', ')}], offerTimeoutSec: 10, wrapUpSec: ${opts.wrapUpSec} }
trunks:
  carrier: { uri: "sip:127.0.0.1:${CARRIER_PORT}" }
external:
  allow: ['^\\\\+1212555']
  maxConcurrent: ${Math.max(50, 3 * opts.agents)}
`,
    numbersYaml: 'numbers:\n  "+15550100": { route: { queue: outbound } }\n',
  });
  const phones: Awaited<ReturnType<typeof startSipp>>[] = [];
  let sampler: NodeJS.Timeout | undefined;
  try {
    const api = campaignApi(stack);
    const maxCalls = String(opts.contacts * opts.maxAttempts + 100);
    const carrierDir = writeCarrierClips(path.join(stack.dir, 'carrier'));
    phones.push(await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'callee-campaign.xml'), '-i', '127.0.0.1', '-p', String(CARRIER_PORT), '-mp', '16400', '-m', maxCalls], carrierDir));
    for (const [i, a] of stack.agents.entries()) {
      phones.push(await startSipp(found.bins, ['-sf', path.join(SIPP_DIR, 'agent-answer-hangup.xml'), '-i', '127.0.0.1', '-p', String(phonePort(i)), '-mp', String(17200 + 20 * i), '-d', String(opts.talkMs), '-m', maxCalls], peerDir(stack, `phone${i}`, 1200, 1)));
      const r = await registerAgent(stack, a, phonePort(i), 3600);
      if (r.code !== 0) throw new Error(`agent ${a.user} could not register: ${r.stdout.slice(-400)}`);
    }
    await waitFor('every agent ready', async () => {
      for (const a of stack.agents) if (((await stack.http(`/api/agents/${a.id}`)) as { status: string }).status !== 'ready') return undefined;
      return true;
    }, 20_000);

    // Contacts whose last digits run 0-9 in turn: half are people.
    const numbers = Array.from({ length: opts.contacts }, (_, i) => `+1212555${String(1000 + i).padStart(4, '0')}`);
    const list = (await api('POST', '/api/lists', { name: 'Bench' })).json.id as string;
    const imported = await api('POST', `/api/lists/${list}/contacts?number=number&name=name`, `number,name\n${numbers.map((n, i) => `${n},Customer ${i}`).join('\n')}\n`, true);
    if (imported.json.imported !== opts.contacts) throw new Error(`contacts not imported: ${JSON.stringify(imported.json).slice(0, 400)}`);
    const made = await api('POST', '/api/campaigns', {
      name: 'Bench', lists: [list], mode: 'progressive', queue: 'outbound', hours: ALL_DAY, timeZone: 'UTC',
      maxAttempts: opts.maxAttempts, retryMinutes: 0, ringSeconds: opts.ringSec, amd: { enabled: true }, onMachine: 'hangup', callerId: '+15550199',
    });
    if (made.status !== 201) throw new Error(`campaign refused: ${JSON.stringify(made.json)}`);
    const id = made.json.id as string;

    // The dialer's commands, in-process: which agent each dial was for (the gaps' parts only).
    const core = stack.daemon.campaigns.core;
    const send = core.send.bind(core);
    const dials = new Map<string, { at: number; agentId?: string }>();
    const seenFree: { agentId: string; at: number }[] = [];
    core.send = (e: DialerInput) => {
      const out = send(e);
      if (e.type === 'agent' && e.view.state === 'idle') seenFree.push({ agentId: e.agentId, at: e.now });
      if (Array.isArray(out)) for (const c of out as DialerCommand[]) if (c.type === 'dial') dials.set(c.callId, { at: e.now, ...(c.agentId ? { agentId: c.agentId } : {}) });
      return out;
    };

    // Sampled every 100 ms: agents the router has Ready with no call while the dialer counts them busy, so dials for nobody.
    const mismatchSince = new Map<string, number>();
    const mismatches: number[] = [];
    sampler = setInterval(() => {
      const now = Date.now();
      for (const agentId of stack.agents.map((a) => a.id)) {
        const view = stack.daemon.centre.agentView(agentId);
        const mine = core.agents.get(agentId);
        const off = view?.status === 'ready' && view.callId === undefined && mine !== undefined && mine.state !== 'idle';
        const since = mismatchSince.get(agentId);
        if (off && since === undefined) mismatchSince.set(agentId, now);
        if (!off && since !== undefined) {
          mismatches.push(now - since);
          mismatchSince.delete(agentId);
        }
      }
    }, 100);

    const runAt = Date.now();
    const ran = await api('POST', `/api/campaigns/${id}/run`);
    if (ran.status !== 200) throw new Error(`run refused: ${JSON.stringify(ran.json)}`);
    let lastReport = runAt;
    const done = await waitFor('the campaign to complete', async () => {
      const c = (await api('GET', `/api/campaigns/${id}`)).json as { status: string; progress?: { contacts?: Record<string, number> } };
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        console.log(`  ${Math.round((Date.now() - runAt) / 1000)} s: ${JSON.stringify(c.progress?.contacts ?? {})}`);
      }
      return c.status === 'completed' ? c : undefined;
    }, 60 * 60_000, 200);
    const completedAt = Date.now();
    core.send = send;
    clearInterval(sampler);
    for (const since of mismatchSince.values()) mismatches.push(completedAt - since);

    // Every record written: each agent's last logged status is ready again, every call closed.
    const db = stack.daemon.db;
    const agentIds = stack.agents.map((a) => a.id);
    await waitFor('every agent ready in the records', async () => {
      const rows = await db.selectFrom('agent_states').select(['agent_id', 'status']).where('at', '>=', runAt).orderBy('id').execute();
      const last = new Map(rows.map((r) => [r.agent_id, r.status]));
      return agentIds.every((a) => last.get(a) === 'ready') || undefined;
    }, 30_000, 250);
    await waitFor('every campaign call closed', async () => {
      const open = await db.selectFrom('calls').select('id').where('arrived_at', '>=', runAt).where('ended_at', 'is', null).execute();
      return open.length === 0 || undefined;
    }, 30_000, 250);

    const states = await db.selectFrom('agent_states').select(['agent_id', 'at', 'status']).where('at', '>=', runAt).orderBy('id').execute();
    const calls = await db.selectFrom('calls').select(['id', 'agent_id', 'arrived_at', 'answered_at', 'agent_answered_at']).where('arrived_at', '>=', runAt).execute();
    const verdicts = await db.selectFrom('call_events').select(['call_id', 'at']).where('type', '=', 'amd-verdict').where('at', '>=', runAt).execute();
    const verdictAt = new Map(verdicts.map((v) => [v.call_id, Number(v.at)]));
    const attempts = (await api('GET', `/api/campaigns/${id}/attempts?limit=10000`)).json.attempts as { outcome: string; callId: string | null }[];

    if (process.env.CAMPAIGN_DUMP) {
      writeFileSync(process.env.CAMPAIGN_DUMP, JSON.stringify({ runAt, completedAt, states, calls, verdicts, attempts, dials: [...dials], seenFree }, null, 1));
      console.log(`records written to ${process.env.CAMPAIGN_DUMP}`);
    }

    // The gaps: wrap-up -> ready (readyAt), then the next on-call of the same agent.
    const gaps: Gap[] = [];
    const firstCalls: number[] = [];
    let onCalls = 0;
    for (const agentId of agentIds) {
      let prev = 'ready';
      let readyAt: number | undefined;
      let first = true;
      for (const r of states.filter((s) => s.agent_id === agentId)) {
        const at = Number(r.at);
        if (prev === 'wrap-up' && r.status !== 'wrap-up') readyAt = at;
        if (r.status === 'on-call' && prev !== 'on-call') {
          onCalls++;
          if (first) firstCalls.push(at - runAt);
          first = false;
          if (readyAt !== undefined) gaps.push(describeGap(agentId, readyAt, at));
          readyAt = undefined;
        }
        prev = r.status;
      }
    }
    function describeGap(agentId: string, readyAt: number, connectedAt: number): Gap {
      const seen = seenFree.find((s) => s.agentId === agentId && s.at >= readyAt && s.at <= connectedAt);
      const mine = [...dials].filter(([, d]) => d.agentId === agentId && d.at >= readyAt && d.at <= connectedAt);
      // The call this agent answered at connectedAt.
      const call = calls
        .filter((c) => c.agent_id === agentId && c.agent_answered_at !== null)
        .sort((x, y) => Math.abs(Number(x.agent_answered_at) - connectedAt) - Math.abs(Number(y.agent_answered_at) - connectedAt))[0];
      const dial = call ? dials.get(call.id) : undefined;
      const gap: Gap = { agentId, readyAt, connectedAt, dials: mine.length, foreign: dial?.agentId !== agentId, ...(seen ? { seenMs: seen.at - readyAt } : {}) };
      if (call && Number(call.arrived_at) >= readyAt) gap.beforeDialMs = Number(call.arrived_at) - readyAt;
      if (call && call.answered_at !== null && verdictAt.has(call.id)) {
        const answeredAt = Number(call.answered_at);
        const v = verdictAt.get(call.id)!;
        gap.call = { dialToAnswerMs: answeredAt - Number(call.arrived_at), answerToVerdictMs: v - answeredAt, verdictToAgentMs: connectedAt - v };
      }
      return gap;
    }

    const elapsedMs = completedAt - runAt;
    const outcomes: Record<string, number> = {};
    for (const a of attempts) outcomes[a.outcome] = (outcomes[a.outcome] ?? 0) + 1;
    const connected = outcomes.connected ?? 0;
    const perAgentHour = connected / (opts.agents * (elapsedMs / 3_600_000));
    const idle = gaps.map((g) => g.connectedAt - g.readyAt);
    const part = (f: (g: Gap) => number | undefined) => gaps.map(f).filter((x): x is number => x !== undefined);
    const own = gaps.filter((g) => !g.foreign);
    const row = (name: string, xs: number[]) => [name, xs.length, xs.length ? percentile(xs, 50).toFixed(0) : '-', xs.length ? percentile(xs, 99).toFixed(0) : '-', xs.length ? Math.max(...xs).toFixed(0) : '-'];
    printTable(
      `Progressive campaign on the real stack: ${opts.contacts} contacts, ${opts.agents} agents, ${attempts.length} attempts dialed, ${connected} connected; run ${(elapsedMs / 1000).toFixed(1)} s (milliseconds, from the daemon's agent_states)`,
      ['interval', 'n', 'median', 'p99', 'max'],
      [
        row('end of wrap-up -> next connected call (every gap)', idle),
        row('  ...whose person was dialed for this agent', own.map((g) => g.connectedAt - g.readyAt)),
        row('  ...whose person was dialed for another agent', gaps.filter((g) => g.foreign).map((g) => g.connectedAt - g.readyAt)),
        row('  ready -> the dialer sees the agent free (its 1 s tick)', part((g) => g.seenMs)),
        row('  ready -> the connected call dialed (when after ready)', part((g) => g.beforeDialMs)),
        row('  connected call: dial -> the person answers (200 OK)', part((g) => g.call?.dialToAnswerMs)),
        row('  connected call: answer -> AMD says human', part((g) => g.call?.answerToVerdictMs)),
        row("  connected call: AMD verdict -> agent's phone answered", part((g) => g.call?.verdictToAgentMs)),
        row('run -> first connected call of each agent', firstCalls),
      ],
    );
    console.log(`attempts by outcome: ${Object.entries(outcomes).sort().map(([k, v]) => `${k} ${v}`).join(', ')}; contacts: ${JSON.stringify((done as { progress?: { contacts?: unknown } }).progress?.contacts ?? {})}`);
    console.log(`connected calls: ${connected} by the attempts, ${onCalls} agent on-call statuses; calls per agent-hour: ${perAgentHour.toFixed(1)} (${connected} / (${opts.agents} agents x ${(elapsedMs / 3_600_000).toFixed(4)} h))`);
    const foreign = gaps.filter((g) => g.foreign).length;
    const stuck = mismatches.filter((ms) => ms > 1_500);
    console.log(
      `ready agents the dialer counted busy: ${mismatches.length} spells, ${stuck.length} longer than its 1.5 s (tick) lag, ${(stuck.reduce((x, y) => x + y, 0) / 1000).toFixed(1)} s of ${((opts.agents * elapsedMs) / 1000).toFixed(0)} agent-seconds`,
    );
    console.log(`gaps ended by a person dialed for another agent (the queue chose whom to offer): ${foreign} of ${gaps.length}; dials for the agent in a gap: median ${percentile(gaps.map((g) => g.dials), 50)}, ${gaps.filter((g) => g.dials === 0).length} gaps with none`);
    return {
      idleP50: percentile(idle, 50),
      idleP99: percentile(idle, 99),
      idleMax: Math.max(...idle),
      gaps: idle.length,
      perAgentHour,
      dialed: attempts.length,
      connected,
      machine: outcomes.machine ?? 0,
      busy: outcomes.busy ?? 0,
      noAnswer: outcomes['no-answer'] ?? 0,
      failed: outcomes.failed ?? 0,
      elapsedSec: elapsedMs / 1000,
      strandedSec: stuck.reduce((x, y) => x + y, 0) / 1000,
    };
  } finally {
    clearInterval(sampler);
    await Promise.all(phones.map((p) => p.stop()));
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchCampaign();
  process.exit(0);
}
