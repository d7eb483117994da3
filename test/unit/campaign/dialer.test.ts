/**
 * The campaign dialer driven through 100,000 random events (agents coming
 * and going, inbound calls waiting, answers, machines, no answers,
 * dispositions, previews, DNC changes, pause/stop/run, days passing), with
 * its promises checked after every command it gives.
 */
import t from 'tap';
import { CampaignDialer } from '../../../src/core/campaign/dialer.js';
import { contactable, localTime, occurrenceAt } from '../../../src/core/campaign/hours.js';
import type { CampaignDef, DialMode, DialerCommand, DialerInput } from '../../../src/core/campaign/types.js';
import { contacts, def } from './helpers.js';
import { rng } from '../../support/random.js';


const ZONES = [['America/New_York'], ['Europe/Paris'], ['Asia/Tokyo'], ['America/Chicago', 'America/Los_Angeles']];
const QUEUES = ['q1', 'q2', 'q3'];

t.test('100,000 random events: no DNC number dialed, none outside its hours or twice at once, attempts within the maximum, priorities, inbound first, the abandon cap', async (t) => {
  const EVENTS = 100_000;
  const failures: string[] = [];
  let dials = 0, connects = 0, abandons = 0, previews = 0, cancels = 0, scrubs = 0;
  for (let seed = 1; seed <= 4; seed++) {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const d = new CampaignDialer(r);
    let now = Date.UTC(2026, 2, 6, 14, 0); // a Friday; the run crosses the US and EU daylight-saving changes
    const modes: DialMode[] = ['progressive', 'preview', 'predictive', 'agentless'];
    const defs: CampaignDef[] = [];
    const dncMirror = new Map<string, Set<string>>([['dnc1', new Set()], ['dnc2', new Set()]]);
    for (let i = 0; i < 4; i++) {
      const mode = modes[(i + seed) % 4]!;
      const c = def(`s${seed}c${i}`, { mode, priority: 1 + Math.floor(r() * 5), queue: pick(QUEUES), ...(mode === 'agentless' ? { flow: 'survey', lines: 3 } : {}), dncList: pick(['dnc1', 'dnc2']), maxAttempts: 1 + Math.floor(r() * 3), retryMinutes: Math.floor(r() * 30), maxSkips: Math.floor(r() * 3), abandonCap: pick([0.03, 0.2, 0.3]), ...(i === 3 ? { schedule: { start: '2026-03-06T09:00', timeZone: 'America/New_York', recurrence: { every: 1, unit: 'day' }, durationMinutes: 300, recurrencePrecedence: r() < 0.5 } } : {}) });
      defs.push(c);
      d.send({ type: 'load', now, def: c, contacts: contacts(c.id, 400, () => pick(ZONES)) });
      d.send({ type: 'run', now, campaignId: c.id });
    }
    const agentQueues = new Map<string, string[]>();
    const agentState = new Map<string, 'idle' | 'busy' | 'away'>();
    for (let i = 0; i < 6; i++) {
      const qs = QUEUES.filter(() => r() < 0.6);
      agentQueues.set(`a${i}`, qs.length ? qs : ['q1']);
    }
    const inbound = new Map<string, number>();
    const inFlight = new Map<string, { campaignId: string; contactId: string; state: 'ringing' | 'answered'; agentId?: string }>();
    const calling = new Set<string>();
    const attempts = new Map<string, number>();
    const previewing = new Map<string, string>(); // contact -> agent
    const humans = new Map<string, number>(), abandoned = new Map<string, number>();
    const pending: DialerInput[] = [];
    const dayKey = (c: CampaignDef) => `${c.id}/${localTime(now, c.timeZone).date}`;
    const fail = (m: string) => failures.length < 10 && failures.push(`seed ${seed} at ${new Date(now).toISOString()}: ${m}`);

    const check = (cmds: DialerCommand[]) => {
      for (const cmd of cmds) {
        if (cmd.type === 'dial') {
          dials++;
          const c = defs.find((x) => x.id === cmd.campaignId)!;
          const rt = d.campaigns.get(c.id)!;
          const k = rt.contacts.get(cmd.contactId)!;
          if (dncMirror.get(c.dncList!)!.has(cmd.number)) fail(`dialed ${cmd.number}, on ${c.dncList}`);
          if (!c.schedule?.recurrencePrecedence && !contactable(c.hours, k.zones, now)) fail(`dialed ${cmd.contactId} outside its hours (${k.zones.join(',')})`);
          if (calling.has(cmd.contactId)) fail(`dialed ${cmd.contactId} twice at once`);
          if ((attempts.get(cmd.contactId) ?? 0) >= c.maxAttempts) fail(`dialed ${cmd.contactId} past its ${c.maxAttempts} attempts`);
          const previewer = previewing.get(cmd.contactId);
          if (previewer !== undefined && previewer !== cmd.agentId) fail(`dialed ${cmd.contactId} while ${previewer} previews it`);
          previewing.delete(cmd.contactId);
          if (cmd.agentId && previewer === undefined) {
            const qs = agentQueues.get(cmd.agentId)!;
            if (agentState.get(cmd.agentId) !== 'idle' || qs.some((q) => (inbound.get(q) ?? 0) > 0)) fail(`dialed for ${cmd.agentId}, who is not free (or an inbound call waits)`);
            // Priorities: no higher campaign on the agent's queues had a contact to call.
            for (const o of defs) {
              const ort = d.campaigns.get(o.id)!;
              if (o.priority <= c.priority || o.mode === 'agentless' || !qs.includes(o.queue!) || ort.status !== 'active' || (o.schedule && !occurrenceAt(o.schedule, now))) continue;
              if (d.next(ort, now)) fail(`${c.id} (priority ${c.priority}) dialed for ${cmd.agentId} while ${o.id} (priority ${o.priority}) had ${d.next(ort, now)!.id}`);
            }
          }
          calling.add(cmd.contactId);
          inFlight.set(cmd.callId, { campaignId: c.id, contactId: cmd.contactId, state: 'ringing', ...(cmd.agentId ? { agentId: cmd.agentId } : {}) });
        } else if (cmd.type === 'connect') {
          connects++;
          if (cmd.agentId) {
            const qs = agentQueues.get(cmd.agentId)!;
            if (qs.some((q) => (inbound.get(q) ?? 0) > 0)) fail(`an outbound call went to ${cmd.agentId} while an inbound call waited`);
            if (agentState.get(cmd.agentId) !== 'idle') fail(`connected to ${cmd.agentId}, who is ${agentState.get(cmd.agentId)}`);
            agentState.set(cmd.agentId, 'busy');
            pending.push({ type: 'agent', now, agentId: cmd.agentId, view: { queues: agentQueues.get(cmd.agentId)!, state: 'busy', since: now } });
          }
        } else if (cmd.type === 'abandon') {
          abandons++;
          const f = inFlight.get(cmd.callId)!;
          const c = defs.find((x) => x.id === f.campaignId)!;
          abandoned.set(dayKey(c), (abandoned.get(dayKey(c)) ?? 0) + 1);
          const h = humans.get(dayKey(c)) ?? 0;
          if (abandoned.get(dayKey(c))! > c.abandonCap * h + 1e-9) fail(`${c.id}: ${abandoned.get(dayKey(c))} abandoned of ${h} humans today, over ${c.abandonCap}`);
          pending.push({ type: 'ended', now, callId: cmd.callId, outcome: 'abandoned' });
        } else if (cmd.type === 'cancel') {
          cancels++;
          pending.push({ type: 'ended', now, callId: cmd.callId, outcome: 'cancelled' });
        } else if (cmd.type === 'preview') {
          previews++;
          if (previewing.has(cmd.contactId)) fail(`${cmd.contactId} previewed twice`);
          if ([...previewing.values()].includes(cmd.agentId)) fail(`${cmd.agentId} previews two contacts`);
          previewing.set(cmd.contactId, cmd.agentId);
        } else if (cmd.type === 'scrub') {
          // The shell reads the list again: what the test has put on it.
          scrubs++;
          pending.push({ type: 'dnc-list', now, listId: cmd.listId, numbers: [...dncMirror.get(cmd.listId)!] });
        } else if (cmd.type === 'preview-withdrawn') {
          previewing.delete(cmd.contactId);
        } else if (cmd.type === 'attempt') {
          const c = defs.find((x) => x.id === cmd.campaignId)!;
          if (cmd.attempts > c.maxAttempts) fail(`${cmd.contactId}: ${cmd.attempts} attempts of ${c.maxAttempts}`);
          if (cmd.outcome === 'skipped' || cmd.outcome === 'dnc') previewing.delete(cmd.contactId);
          attempts.set(cmd.contactId, cmd.attempts);
        } else if (cmd.type === 'status' && cmd.status === 'active') {
          for (const k of d.campaigns.get(cmd.campaignId)!.contacts.keys()) if (!calling.has(k)) attempts.delete(k);
        } else if (cmd.type === 'dnc-add') {
          dncMirror.get(cmd.listId)!.add(cmd.number);
        }
      }
    };
    const send = (e: DialerInput) => {
      const out = d.send(e);
      if (Array.isArray(out)) check(out);
    };

    for (let i = 0; i < EVENTS / 4; i++) {
      while (pending.length) send({ ...pending.shift()!, now });
      const x = r();
      const calls = [...inFlight.entries()];
      if (x < 0.2) {
        now += Math.floor(r() * 120_000);
        send({ type: 'tick', now });
      } else if (x < 0.35) {
        const a = pick([...agentQueues.keys()]);
        const st = pick(['idle', 'idle', 'busy', 'away'] as const);
        agentState.set(a, st);
        send({ type: 'agent', now, agentId: a, view: { queues: agentQueues.get(a)!, state: st, since: now } });
      } else if (x < 0.42) {
        const q = pick(QUEUES);
        const n = r() < 0.6 ? 0 : 1 + Math.floor(r() * 3);
        inbound.set(q, n);
        send({ type: 'inbound-waiting', now, queueId: q, count: n });
      } else if (x < 0.46) {
        const c = pick(defs);
        const k = pick([...d.campaigns.get(c.id)!.contacts.values()]);
        const on = r() < 0.7;
        if (on) dncMirror.get(c.dncList!)!.add(k.number);
        else dncMirror.get(c.dncList!)!.delete(k.number);
        send({ type: 'dnc', now, listId: c.dncList!, number: k.number, on });
      } else if (x < 0.62 && calls.length) {
        const [id, f] = pick(calls);
        if (f.state !== 'ringing') continue;
        const human = r() < 0.6;
        f.state = 'answered';
        const c = defs.find((y) => y.id === f.campaignId)!;
        if (human) humans.set(dayKey(c), (humans.get(dayKey(c)) ?? 0) + 1);
        send({ type: 'answered', now, callId: id, human });
        if (!human) pending.push({ type: 'ended', now, callId: id, outcome: 'machine' });
      } else if (x < 0.8 && calls.length) {
        const [id, f] = pick(calls);
        const outcome = f.state === 'ringing' ? pick(['no-answer', 'busy', 'failed'] as const) : 'connected';
        inFlight.delete(id);
        calling.delete(f.contactId);
        send({ type: 'ended', now, callId: id, outcome });
      } else if (x < 0.86 && previewing.size) {
        const [contactId, agentId] = pick([...previewing.entries()]);
        send({ type: 'preview-decision', now, agentId, contactId, decision: r() < 0.5 ? 'dial' : 'skip' });
      } else if (x < 0.9) {
        const c = pick(defs);
        const k = pick([...d.campaigns.get(c.id)!.contacts.values()]);
        send({ type: 'disposition', now, contactId: k.id, outcome: pick(['done', 'retry', 'do-not-call'] as const) });
      } else if (x < 0.92) {
        send({ type: pick(['run', 'pause', 'resume', 'stop', 'run'] as const), now, campaignId: pick(defs).id });
      } else send({ type: 'tick', now });
      // Calls the dialer ended itself (abandon, cancel) leave the mirror when their 'ended' goes in.
      for (const p of pending) if (p.type === 'ended') {
        const f = inFlight.get(p.callId);
        if (f) calling.delete(f.contactId);
        inFlight.delete(p.callId);
      }
      // Structure: each agent held at most once, each call's agent held for it.
      for (const [id, call] of d.calls) if (call.agentId && d.agents.get(call.agentId)?.held?.id !== id) fail(`call ${id} names ${call.agentId}, who is not held for it`);
    }
  }
  t.same(failures, [], 'no promise broken');
  t.ok(dials > 3_000 && connects > 400 && previews > 400 && abandons > 10 && cancels > 50 && scrubs > 2, `${dials} dials, ${connects} connected, ${previews} previews, ${abandons} abandoned, ${cancels} cancelled, ${scrubs} scrubs before occurrences`);
});
