/**
 * After a restart. A stopping daemon leaves bridged calls up in FreeSWITCH
 * (their media needs no daemon); the router's snapshot still has them
 * connected. A call whose FreeSWITCH channels still exist is adopted: its
 * agent stays on the call until one of the channels ends. Any other call in
 * flight, and any call record left open, is closed as ended by the restart.
 *
 * drachtio-server does not hand a BYE for a dialog set up by the previous
 * connection to the new one, so an adopted call's end is learnt from
 * FreeSWITCH (the leg whose phone hung up goes silent and the media timeout
 * ends it).
 */
import type { Router } from '../core/acd/router.js';
import type { RouterEvent } from '../core/acd/types.js';
import type { EventSocket } from '../media/event-socket.js';
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
    const row = await d.db.selectFrom('calls').select(['caller_uuid', 'agent_uuid', 'agent_answered_at']).where('id', '=', c.id).executeTakeFirst();
    if (c.state === 'connected' && row && (await exists(row.caller_uuid)) && (await exists(row.agent_uuid))) {
      adopt(d, c.id, row.caller_uuid!, row.agent_uuid!, row.agent_answered_at ?? now);
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

/** Follows a bridged call the previous run left up, through FreeSWITCH's channel events. */
function adopt(d: RecoveryDeps, callId: string, callerUuid: string, agentUuid: string, answeredAt: number): void {
  d.timeline(callId, 'adopted-after-restart');
  // The leg that really ended has its own cause (MEDIA_TIMEOUT, ...); its bridged partner
  // follows with NORMAL_CLEARING, sometimes reported first. Look at both before deciding.
  const seen = new Map<string, string>();
  let deciding: NodeJS.Timeout | undefined;
  const decide = () => {
    d.esl.off('channel-stats', onHangup);
    const causeOf = (u: string) => seen.get(u);
    const side = causeOf(callerUuid) !== undefined && causeOf(callerUuid) !== 'NORMAL_CLEARING' ? 'caller' : causeOf(agentUuid) !== undefined && causeOf(agentUuid) !== 'NORMAL_CLEARING' ? 'agent' : seen.keys().next().value === callerUuid ? 'caller' : 'agent';
    void d.esl.api(`uuid_kill ${side === 'caller' ? agentUuid : callerUuid}`).catch(() => undefined);
    const endedAt = d.now();
    d.feed({ type: 'call-ended', callId });
    d.calls.update(callId, { ended_at: endedAt, talk_ms: endedAt - answeredAt, disposition: 'answered', hangup_cause: 'NORMAL_CLEARING', hangup_side: side });
    d.timeline(callId, 'ended', { side, cause: 'NORMAL_CLEARING', disposition: 'answered' });
  };
  const onHangup = (s: { uuid: string; hangupCause?: string }) => {
    if (s.uuid !== callerUuid && s.uuid !== agentUuid) return;
    seen.set(s.uuid, s.hangupCause ?? 'NORMAL_CLEARING');
    if (seen.size === 2) {
      clearTimeout(deciding);
      decide();
    } else deciding ??= setTimeout(decide, 300);
  };
  d.esl.on('channel-stats', onHangup);
}
