/**
 * After a restart. A stopping daemon leaves bridged calls up in FreeSWITCH
 * (their media needs no daemon); the router's snapshot still has them
 * connected. A call whose FreeSWITCH channels still exist is adopted: its
 * agent stays on the call until it ends. Any other call in flight, and any
 * call record left open, is closed as ended by the restart.
 *
 * drachtio-server keeps a BYE for a dialog set up by the previous connection
 * to itself, so the new daemon would not hear a phone hang up. It watches
 * both phones instead, with in-dialog OPTIONS built from the dialog
 * identities saved with the call (the keep-alive SBCs use): 481 means the
 * phone has left the call, no answer twice means it is gone. FreeSWITCH's
 * media timeout ending a leg is the last resort. Either way the other phone
 * gets a BYE and the agent is free again.
 *
 * ```
 *  adopted --OPTIONS 481 / 2 misses / FreeSWITCH leg ends--> BYE the phone(s) still there
 *          --> channels killed --> call-ended (agent to wrap-up), record closed
 * ```
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Router } from '../core/acd/router.js';
import { requestInDialog, type DialogIdentity } from '../sip/dialog-identity.js';
import type { RouterEvent } from '../core/acd/types.js';
import type { ChannelStats, EventSocket } from '../media/event-socket.js';
import type { CallStore } from '../store/calls.js';
import type { Db } from '../store/db.js';

export interface RecoveryDeps {
  router: Router;
  db: Db;
  esl: EventSocket;
  calls: CallStore;
  now: () => number;
  feed: (e: RouterEvent) => void;
  timeline: (callId: string, type: string, data?: Record<string, unknown>) => void;
  srf: Srf;
  log: Logger;
  /** Where each adopted call leaves its controls: stop watching (the daemon's shutdown), or end it (FreeSWITCH lost). */
  watchers: Set<AdoptedWatcher>;
}

export interface AdoptedWatcher {
  stop(): void;
  mediaLost(): void;
}

/**
 * After a restart: a call the previous run left bridged whose FreeSWITCH
 * channels still exist is adopted (its agent stays on the call until one of
 * the channels ends); any other call in flight, and any call record left
 * open, is closed as ended by the restart.
 */
export async function reconcileAfterRestart(d: RecoveryDeps): Promise<{ adopted: number; ended: number }> {
  const now = d.now();
  const exists = async (uuid: string | null) => (uuid ? (await d.esl.api(`uuid_exists ${uuid}`).catch(() => 'false')).trim() === 'true' : false);
  const adopted: string[] = [];
  let ended = 0;
  for (const c of [...d.router.calls.values()]) {
    const row = await d.db.selectFrom('calls').select(['caller_uuid', 'agent_uuid', 'agent_answered_at', 'caller_sip', 'agent_sip']).where('id', '=', c.id).executeTakeFirst();
    if (c.state === 'connected' && row && (await exists(row.caller_uuid)) && (await exists(row.agent_uuid))) {
      const parse = (json: string | null) => (json ? (JSON.parse(json) as DialogIdentity) : undefined);
      adopt(d, c.id, { caller: { uuid: row.caller_uuid!, sip: parse(row.caller_sip) }, agent: { uuid: row.agent_uuid!, sip: parse(row.agent_sip) } }, row.agent_answered_at ?? now);
      adopted.push(c.id);
      continue;
    }
    for (const uuid of [row?.caller_uuid, row?.agent_uuid]) if (uuid) void d.esl.api(`uuid_kill ${uuid}`).catch(() => undefined);
    d.feed({ type: c.state === 'connected' ? 'call-ended' : 'call-abandoned', callId: c.id });
    ended++;
  }
  let q = d.db.updateTable('calls').set({ ended_at: now, disposition: 'failed', hangup_cause: 'DAEMON_RESTART', hangup_side: 'system' }).where('ended_at', 'is', null);
  if (adopted.length) q = q.where('id', 'not in', adopted);
  const closed = await q.executeTakeFirst();
  d.feed({ type: 'tick' });
  return { adopted: adopted.length, ended: ended + Number(closed.numUpdatedRows ?? 0) };
}

/**
 * drachtio-server came back after a loss and has forgotten every dialog,
 * while FreeSWITCH kept the channels: a bridged call is watched from its
 * record like a call adopted after a restart. False when its channels are
 * gone too (the caller then ends it as usual).
 */
export async function adoptRecorded(d: RecoveryDeps, callId: string, reason: string): Promise<boolean> {
  const row = await d.db.selectFrom('calls').select(['caller_uuid', 'agent_uuid', 'agent_answered_at', 'caller_sip', 'agent_sip']).where('id', '=', callId).executeTakeFirst();
  if (!row?.caller_uuid || !row.agent_uuid) return false;
  const parse = (json: string | null) => (json ? (JSON.parse(json) as DialogIdentity) : undefined);
  adopt(d, callId, { caller: { uuid: row.caller_uuid, sip: parse(row.caller_sip) }, agent: { uuid: row.agent_uuid, sip: parse(row.agent_sip) } }, row.agent_answered_at ?? d.now(), reason);
  return true;
}

/** A BYE from a dialog identity saved with the call (drachtio-server no longer knows the dialog). */
export async function byeFromRecord(d: RecoveryDeps, callId: string, side: 'caller' | 'agent'): Promise<void> {
  const row = await d.db.selectFrom('calls').select(['caller_sip', 'agent_sip']).where('id', '=', callId).executeTakeFirst();
  const json = side === 'caller' ? row?.caller_sip : row?.agent_sip;
  if (json) await requestInDialog(d.srf, JSON.parse(json) as DialogIdentity, 'BYE');
}

/** Each adopted phone is asked every 5 s whether it is still in the call, again after 1 s when it missed, and has 4 s to answer. */
const PROBE_EVERY_MS = 5_000;
const PROBE_AGAIN_MS = 1_000;
const PROBE_ANSWER_MS = 4_000;

type Side = 'caller' | 'agent';
interface AdoptedLeg {
  uuid: string;
  sip?: DialogIdentity;
  misses?: number;
  /** The phone said it has left the dialog (481): no BYE for it. */
  left?: boolean;
  /** RTP packets FreeSWITCH had received from the phone at the last look. */
  packetsIn?: number;
}

/** RTP packets FreeSWITCH has received on a channel so far, or undefined when it cannot say. */
async function packetsIn(d: RecoveryDeps, uuid: string): Promise<number | undefined> {
  try {
    await d.esl.api(`uuid_set_media_stats ${uuid}`);
    const n = Number((await d.esl.api(`uuid_getvar ${uuid} rtp_audio_in_media_packet_count`)).trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Follows a bridged call the previous run left up: the phones by probing them, the channels through FreeSWITCH's events. */
function adopt(d: RecoveryDeps, callId: string, legs: Record<Side, AdoptedLeg>, answeredAt: number, reason = 'daemon restart'): void {
  d.timeline(callId, reason === 'daemon restart' ? 'adopted-after-restart' : 'adopted', { reason, probing: Object.entries(legs).filter(([, l]) => l.sip).map(([side]) => side) });
  let ended = false;
  let probeTimer: NodeJS.Timeout | undefined;
  let deciding: NodeJS.Timeout | undefined;
  const stop = () => {
    clearTimeout(probeTimer);
    clearTimeout(deciding);
    d.esl.off('channel-stats', onHangup);
  };
  // The record gets each leg's RTP counters, as for calls this daemon connected itself; FreeSWITCH
  // reports them a moment after the channels are gone, so this listens on past the decision.
  const counted = new Set<string>();
  const onStats = (s: ChannelStats) => {
    if (s.uuid !== legs.caller.uuid && s.uuid !== legs.agent.uuid) return;
    d.calls.update(callId, s.uuid === legs.caller.uuid ? { caller_rtp_in: s.rtpInPackets, caller_rtp_out: s.rtpOutPackets } : { agent_rtp_in: s.rtpInPackets, agent_rtp_out: s.rtpOutPackets });
    counted.add(s.uuid);
    if (counted.size === 2) d.esl.off('channel-stats', onStats);
  };
  d.esl.on('channel-stats', onStats);
  const watcher: AdoptedWatcher = { stop, mediaLost: () => finish('system', 'media server lost', 'MEDIA_SERVER_LOST') };
  d.watchers.add(watcher);

  const finish = (side: Side | 'system', how: string, cause = 'NORMAL_CLEARING') => {
    if (ended) return;
    ended = true;
    stop();
    d.watchers.delete(watcher);
    for (const leg of Object.values(legs)) {
      if (leg.sip && !leg.left) void requestInDialog(d.srf, leg.sip, 'BYE').then((o) => d.log.debug({ callId, status: o.status }, 'BYE to an adopted phone'));
      void d.esl.api(`uuid_kill ${leg.uuid}`).catch(() => undefined);
    }
    const endedAt = d.now();
    setTimeout(() => d.esl.off('channel-stats', onStats), 30_000).unref();
    d.feed({ type: 'call-ended', callId });
    d.calls.update(callId, { ended_at: endedAt, talk_ms: endedAt - answeredAt, disposition: 'answered', hangup_cause: cause, hangup_side: side });
    d.timeline(callId, 'ended', { side, cause, disposition: 'answered', how });
  };

  // The leg that really ended has its own cause (MEDIA_TIMEOUT, ...); its bridged partner
  // follows with NORMAL_CLEARING, sometimes reported first. Look at both before deciding.
  const seen = new Map<string, string>();
  const decide = () => {
    const real = (u: string) => seen.has(u) && seen.get(u) !== 'NORMAL_CLEARING';
    const side: Side = real(legs.caller.uuid) ? 'caller' : real(legs.agent.uuid) ? 'agent' : seen.keys().next().value === legs.caller.uuid ? 'caller' : 'agent';
    finish(side, `media server: ${seen.get(legs[side].uuid) ?? 'channel ended'}`);
  };
  const onHangup = (s: ChannelStats) => {
    if (s.uuid !== legs.caller.uuid && s.uuid !== legs.agent.uuid) return;
    seen.set(s.uuid, s.hangupCause ?? 'NORMAL_CLEARING');
    if (seen.size === 2) {
      clearTimeout(deciding);
      decide();
    } else deciding ??= setTimeout(decide, 300);
  };
  d.esl.on('channel-stats', onHangup);

  const probe = async () => {
    if (ended) return;
    let soon = false;
    await Promise.all(
      (Object.entries(legs) as [Side, AdoptedLeg][]).map(async ([side, leg]) => {
        if (!leg.sip) return;
        const o = await requestInDialog(d.srf, leg.sip, 'OPTIONS', PROBE_ANSWER_MS);
        if (ended) return;
        if (o.status === 481) {
          leg.left = true;
          return finish(side, 'phone left the dialog (481 to OPTIONS)');
        }
        // 408/503/no answer: the phone or its network may be gone. Anything else (200, 405, ...) means it is there.
        const missed = o.status === 'timeout' || o.status === 408 || o.status === 503;
        leg.misses = missed ? (leg.misses ?? 0) + 1 : 0;
        if (leg.misses >= 2) {
          // A loaded phone or network can be slow to answer while the call goes on: a phone whose
          // audio still reaches FreeSWITCH is in the call, whatever its signalling says.
          const now = await packetsIn(d, leg.uuid);
          if (ended) return;
          const flowing = now !== undefined && leg.packetsIn !== undefined && now > leg.packetsIn;
          leg.packetsIn = now;
          if (flowing) leg.misses = 0;
          else if (leg.misses >= 3 || now === undefined) return finish(side, `phone unreachable (${o.status} ${leg.misses} times, no audio from it)`);
        }
        if (missed) soon = true;
      }),
    );
    if (!ended) probeTimer = setTimeout(() => void probe(), soon ? PROBE_AGAIN_MS : PROBE_EVERY_MS);
  };
  void probe();
}
