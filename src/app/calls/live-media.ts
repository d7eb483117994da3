/**
 * The live call's media commands on FreeSWITCH (src/media/call-media.ts):
 * bridge, hold music, silence, a message, the call's conference (3-way calls
 * and supervision), mute, DTMF, recording, hanging a leg up. The shell keeps
 * what FreeSWITCH has now (`call.media`) so each command does only what
 * changes:
 * - hold keeps the bridge: the music displaces what the leg hears and its
 *   voice is silenced (no re-bridge, no re-INVITE); a leg on such music that
 *   loses its bridge (the customer when the agent's consult answers, or when
 *   the agent hangs up) gets it played to it alone at the end of the batch
 *   (settleMedia);
 * - a conference member leaving (a plain bridge again, music, silence) is
 *   transferred out; mutes and who-does-not-hear-whom are set per member id.
 */
import path from 'node:path';
import type { LiveCallCommand } from '../../core/call/live-call.js';
import {
  bridge,
  conferenceMute,
  conferenceName,
  conferenceRelate,
  holdMusic,
  joinConference,
  park,
  musicAlone,
  mute,
  playAlone,
  receiveDtmf,
  recordLeg,
  resumeBridge,
  sendDtmf,
  silence,
  type Api,
} from '../../media/call-media.js';
import { releaseEndpoint, type Endpoint } from '../../media/media-server.js';
import { wire } from './live-control.js';
import { recordingStarted } from './recordings.js';
import type { CallState, CentreContext, MediaState } from './state.js';

export type MediaCommand = Extract<LiveCallCommand, { type: 'bridge' | 'music' | 'silence' | 'play' | 'conference' | 'mute' | 'dtmf' | 'record' | 'hangup' }>;

export function media(call: CallState): MediaState {
  return (call.media ??= {});
}

export function endpoint(call: CallState, leg: string): Endpoint {
  if (call.caller?.ep.uuid === leg) return call.caller.ep;
  if (call.agent?.ep?.uuid === leg) return call.agent.ep;
  const party = call.parties.get(leg);
  if (party) return party.ep;
  throw new Error(`leg ${leg} is not on the call`);
}

/** A leg on displaced music that has lost its bridge partner: its music is played to it alone. */
async function rehome(api: Api, m: MediaState, uuid: string): Promise<void> {
  const music = m.music;
  if (music?.uuid !== uuid || music.how !== 'displace') return;
  await resumeBridge(api, uuid, music.source).catch(() => undefined);
  await musicAlone(api, uuid, music.source);
  music.how = 'alone';
}

/** The leg's music comes off (it is about to be bridged or join the conference). */
async function musicOff(api: Api, m: MediaState, uuid: string): Promise<void> {
  const music = m.music;
  if (music?.uuid !== uuid) return;
  m.music = undefined;
  if (music.how === 'displace') await resumeBridge(api, uuid, music.source).catch(() => undefined);
  else await silence(api, uuid);
}

/** A leg that went by itself (its phone hung up) is in no bridge, conference or music any more. */
export function legGone(call: CallState, uuid: string): void {
  const m = call.media;
  if (!m) return;
  forgetMember(m, uuid);
  if (m.bridged?.includes(uuid)) m.bridged = undefined;
  if (m.music?.uuid === uuid) m.music = undefined;
}

/**
 * A party (consulted, supervisor, former agent) leaves the call: out of the
 * media state, its endpoint released, its toll-fraud count ended; its SIP
 * dialog hung up too when `hangUp` (not when its phone hung up itself).
 * Answers whether there was such a party.
 */
export function dropParty(ctx: CentreContext, call: CallState, uuid: string, hangUp: boolean): boolean {
  const party = call.parties.get(uuid);
  if (!party) return false;
  call.parties.delete(uuid);
  legGone(call, uuid);
  if (hangUp) party.dialog.destroy();
  releaseEndpoint(party.ep);
  if (party.tollKey) ctx.d.toll.ended(party.tollKey, ctx.now());
  return true;
}

/** The leg is no conference member any more (bridged, transferred out, gone): its member id and settings are forgotten. */
export function forgetMember(m: MediaState, uuid: string): boolean {
  const conf = m.conference;
  if (!conf?.members.has(uuid)) return false;
  conf.members.delete(uuid);
  conf.muted.delete(uuid);
  for (const k of [...conf.deaf]) if (k.split('>').includes(uuid)) conf.deaf.delete(k);
  return true;
}

export async function execMedia(ctx: CentreContext, call: CallState, c: MediaCommand): Promise<void> {
  const api: Api = (command) => ctx.d.esl.api(command);
  const m = media(call);
  switch (c.type) {
    case 'bridge': {
      const a = endpoint(call, c.a).uuid;
      const b = endpoint(call, c.b).uuid;
      // The agent "bridged" to a consulted IVR flow: the flow runs on the agent's own leg, taken out of its bridge.
      const ivr = call.parties.get(a)?.ivr ?? call.parties.get(b)?.ivr;
      if (ivr) {
        const agent = call.parties.get(a)?.ivr ? b : a;
        await musicOff(api, m, agent);
        forgetMember(m, agent);
        if (m.bridged?.includes(agent)) await park(api, agent);
        m.bridged = undefined;
        ivr.flowStarts();
        ctx.timeline(call, 'ivr-consult-connected', { agentId: call.session?.machine.agentId, flow: ivr.flow });
        return;
      }
      const same = m.bridged?.includes(a) && m.bridged.includes(b);
      // Back from hold: the bridge was only suspended for the music.
      if (same && m.music?.how === 'displace' && [a, b].includes(m.music.uuid)) {
        await resumeBridge(api, m.music.uuid, m.music.source);
        m.music = undefined;
      } else {
        await Promise.all([musicOff(api, m, a), musicOff(api, m, b)]);
        forgetMember(m, a);
        forgetMember(m, b);
        await bridge(api, a, b, (x, y, ms) => ctx.d.esl.bridgeStarted(x, y, ms));
        m.bridged = [a, b];
      }
      if (!call.ended) ctx.timeline(call, 'bridged', { legs: [roleOf(call, a), roleOf(call, b)], agentId: call.session?.machine.agentId });
      return;
    }
    case 'music': {
      const uuid = endpoint(call, c.leg).uuid;
      const inConference = forgetMember(m, uuid);
      if (m.bridged?.includes(uuid) && !inConference) {
        await holdMusic(api, uuid, c.source);
        m.music = { uuid, source: c.source, how: 'displace' };
      } else {
        if (m.bridged?.includes(uuid)) m.bridged = undefined;
        await musicAlone(api, uuid, c.source);
        m.music = { uuid, source: c.source, how: 'alone' };
      }
      return;
    }
    case 'silence': {
      const uuid = endpoint(call, c.leg).uuid;
      if (forgetMember(m, uuid)) return park(api, uuid);
      // The partner of a leg on hold music already hears nothing (that leg's voice is silenced).
      if (m.bridged?.includes(uuid) && m.music?.how === 'displace' && m.music.uuid !== uuid && m.bridged.includes(m.music.uuid)) return;
      if (m.music?.uuid === uuid) {
        if (m.music.how === 'displace') await resumeBridge(api, uuid, m.music.source).catch(() => undefined);
        m.music = undefined;
      }
      return silence(api, uuid);
    }
    case 'conference': {
      const name = conferenceName(call.id);
      const conf = (m.conference ??= { name, members: new Map(), muted: new Set(), deaf: new Set() });
      for (const uuid of [...conf.members.keys()]) {
        if (c.legs.includes(uuid)) continue;
        forgetMember(m, uuid);
        // A member whose phone hung up is gone already.
        await park(api, uuid).catch(() => undefined);
      }
      const joining = c.legs.map((l) => endpoint(call, l).uuid).filter((u) => !conf.members.has(u));
      await Promise.all(joining.map((u) => musicOff(api, m, u)));
      if (m.bridged && joining.some((u) => m.bridged!.includes(u))) m.bridged = undefined;
      // One after another: moving a leg out of a bridge parks its partner, which must not undo the partner's own join.
      for (const u of joining) conf.members.set(u, await joinConference(api, u, name));
      const id = (u: string) => conf.members.get(u)!;
      for (const u of c.legs) {
        const want = c.muted.includes(u);
        if (want === conf.muted.has(u)) continue;
        await conferenceMute(api, name, id(u), want);
        if (want) conf.muted.add(u);
        else conf.muted.delete(u);
      }
      const wantDeaf = new Set(c.deaf.map(([s, l]) => `${s}>${l}`));
      for (const k of [...conf.deaf]) {
        if (wantDeaf.has(k)) continue;
        const [s, l] = k.split('>') as [string, string];
        await conferenceRelate(api, name, id(s), id(l), true);
        conf.deaf.delete(k);
      }
      for (const k of wantDeaf) {
        if (conf.deaf.has(k)) continue;
        const [s, l] = k.split('>') as [string, string];
        await conferenceRelate(api, name, id(s), id(l), false);
        conf.deaf.add(k);
      }
      ctx.timeline(call, 'conference', { legs: c.legs.map((u) => roleOf(call, u)), ...(c.muted.length ? { muted: c.muted.map((u) => roleOf(call, u)) } : {}), ...(c.deaf.length ? { notHeard: c.deaf.map(([s, l]) => `${roleOf(call, s)}>${roleOf(call, l)}`) } : {}) });
      return;
    }
    case 'play': {
      // A message from its start, not under the hold music (a drop during hold).
      await musicOff(api, m, c.leg);
      m.bridged = undefined;
      m.music = undefined;
      const ep = endpoint(call, c.leg);
      ctx.background(
        playAlone(api, ep, c.message).finally(() => wire(ctx, call, { type: 'playback-done' })),
        call.id,
        'voicemail drop',
      );
      return;
    }
    case 'mute':
      return mute(api, endpoint(call, c.leg).uuid, c.on);
    case 'dtmf': {
      // A consulted IVR flow runs on the agent's leg and reads the digits that leg receives: given to it as if from the phone.
      if (call.parties.get(c.leg)?.ivr && call.agent?.ep) return receiveDtmf(api, call.agent.ep.uuid, c.digits);
      return sendDtmf(api, endpoint(call, c.leg).uuid, c.digits);
    }
    case 'record': {
      const file = path.join(ctx.d.recordingsDir, c.file);
      await recordLeg(api, endpoint(call, c.leg).uuid, c.op, file);
      // Later changes of the index follow the timeline (recordOnCall): a recording also stops with its leg.
      if (c.op === 'start') recordingStarted(ctx, call, c.segment, c.file);
      return;
    }
    case 'hangup': {
      // A partner left on displaced music gets it played alone once the batch is done (settleMedia), unless the call moves it.
      legGone(call, c.leg);
      // The customer's leg is hung up with the end of the call (finish); the others here.
      if (call.agent && call.agent.ep?.uuid === c.leg) {
        call.agent.gone = true;
        call.agent.dialog?.destroy();
        if (call.agent.ep) releaseEndpoint(call.agent.ep);
      }
      dropParty(ctx, call, c.leg, true);
      return;
    }
  }
}

/**
 * After a batch of commands: hold music displacing a leg that has lost its
 * bridge (the agent hung up while the customer waits on hold) is played to
 * the leg alone, since a parked leg has no bridge to displace.
 */
export async function settleMedia(ctx: CentreContext, call: CallState): Promise<void> {
  const m = call.media;
  if (!m?.music || m.music.how !== 'displace' || m.bridged?.includes(m.music.uuid) || call.ended) return;
  await rehome((command) => ctx.d.esl.api(command), m, m.music.uuid);
}

/** Who a leg is, for the timeline. */
export function roleOf(call: CallState, uuid: string): string {
  if (call.caller?.ep.uuid === uuid) return 'customer';
  if (call.agent?.ep?.uuid === uuid) return `agent:${call.agent.id}`;
  const p = call.parties.get(uuid);
  return p ? `${p.role}${p.agentId ? `:${p.agentId}` : ''}` : uuid;
}
