/**
 * Supervisors on live calls: listen, whisper (only the agent hears the
 * supervisor) and barge (both hear them). The daemon rings the supervisor's
 * devices like an offer; once answered, FreeSWITCH's eavesdrop runs on the
 * supervisor's leg against the agent's channel. Eavesdrop's own DTMF switches
 * the mode mid-call, so a mode change is a digit injected into the
 * supervisor's channel, and a desk phone's keypad does the same.
 *
 * ```
 *  ringing --answered--> monitoring(listen | whisper | barge) --call ends / supervisor hangs up--> ended
 *     '--no answer / busy--> ended
 * ```
 */
import type Srf from 'drachtio-srf';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { connectDeviceLeg } from '../media/device-leg.js';
import type { EventSocket } from '../media/event-socket.js';
import type { Endpoint, MediaConnection } from '../media/media-server.js';
import type { LocationService } from '../sip/location.js';
import { ring, targetsOf, type RingingOffer } from '../sip/ring.js';

export type MonitorMode = 'listen' | 'whisper' | 'barge';
export const MONITOR_MODES: readonly MonitorMode[] = ['listen', 'whisper', 'barge'];

/**
 * Eavesdrop runs against the agent's channel: its "write" side is what the
 * agent's phone is sent, so whispering mixes into it (DTMF 2); barging mixes
 * into both sides (3); 0 is listening only.
 */
const DIGIT: Record<MonitorMode, string> = { listen: '0', whisper: '2', barge: '3' };

/** A bridged call as supervision sees it. */
export interface MonitoredCall {
  callId: string;
  agentId: string;
  agentUuid: string;
  queueId?: string;
}

export type MonitorRefusal = { status: number; error: string; field: string };

interface Session {
  mode: MonitorMode;
  ringing?: RingingOffer;
  ep?: Endpoint;
  dialog?: Srf.Dialog;
  ended: boolean;
}

export interface SupervisionDeps {
  srf: Srf;
  media: MediaConnection;
  esl: EventSocket;
  location: LocationService;
  config: () => Config;
  now: () => number;
  log: Logger;
  timeline: (callId: string, type: string, data?: Record<string, unknown>) => void;
}

export class Supervision {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly d: SupervisionDeps) {}

  /** Whether this supervisor may monitor the call now; undefined means yes. */
  refuse(call: MonitoredCall | undefined, supervisorId: string): MonitorRefusal | undefined {
    const supervisor = this.d.config().agents[supervisorId];
    if (!supervisor) return { status: 404, error: 'no such agent', field: 'supervisor' };
    if (!call) return { status: 409, error: 'the call is not connected to an agent', field: 'id' };
    if (supervisorId === call.agentId) return { status: 409, error: 'an agent cannot monitor their own call', field: 'supervisor' };
    if (!call.queueId || !supervisor.supervises.includes(call.queueId)) return { status: 403, error: `agent "${supervisorId}" does not supervise this call's queue`, field: 'supervisor' };
    if (this.sessions.has(key(call.callId, supervisorId))) return { status: 409, error: 'already monitoring this call', field: 'supervisor' };
    if (this.d.location.bindings(supervisor.sip.username, this.d.now()).length === 0) return { status: 409, error: 'the supervisor has no registered device', field: 'supervisor' };
    return undefined;
  }

  /** Rings the supervisor; settles when the monitoring ends (or never started). */
  async start(call: MonitoredCall, supervisorId: string, mode: MonitorMode): Promise<void> {
    const config = this.d.config();
    const supervisor = config.agents[supervisorId]!;
    const agentName = config.agents[call.agentId]?.name ?? call.agentId;
    const session: Session = { mode, ended: false };
    const k = key(call.callId, supervisorId);
    this.sessions.set(k, session);
    this.d.timeline(call.callId, 'monitor-ringing', { supervisor: supervisorId, mode });
    try {
      session.ringing = ring(this.d.srf, targetsOf(this.d.location.bindings(supervisor.sip.username, this.d.now())), {
        From: `"${mode} ${agentName.replace(/"/g, '')}" <sip:monitor@${config.sip.domain}>`,
        To: `<sip:${supervisor.sip.username}@${config.sip.domain}>`,
        'X-CC-Call-Id': call.callId,
        'X-CC-Monitor': `${mode};agent=${call.agentId}`,
      });
      const outcome = await session.ringing.outcome;
      if (outcome.kind !== 'answered') {
        this.d.timeline(call.callId, 'monitor-not-answered', { supervisor: supervisorId, ...(outcome.kind === 'failed' ? { reason: outcome.reason } : {}) });
        return;
      }
      const ms = this.d.media.ms;
      if (session.ended || !ms) return void outcome.answer.destroy();
      const { ep, dialog } = await connectDeviceLeg(ms, outcome.answer);
      session.ep = ep;
      session.dialog = dialog;
      dialog.on('destroy', () => this.end(call.callId, supervisorId));
      if (session.ended) return this.release(session);
      await ep.set({
        eavesdrop_enable_dtmf: 'true',
        eavesdrop_whisper_bleg: String(session.mode !== 'listen'),
        eavesdrop_whisper_aleg: String(session.mode === 'barge'),
      });
      this.d.timeline(call.callId, 'monitor-started', { supervisor: supervisorId, mode: session.mode, uuid: ep.uuid });
      // Returns when either channel goes: the call ended, the agent left, or the supervisor hung up.
      await ep.execute('eavesdrop', call.agentUuid).catch(() => undefined);
    } catch (err) {
      this.d.log.warn({ callId: call.callId, supervisor: supervisorId, err: (err as Error).message }, 'monitoring failed');
    } finally {
      this.end(call.callId, supervisorId);
    }
  }

  /** Switches a running session's mode; false when there is none. */
  async setMode(callId: string, supervisorId: string, mode: MonitorMode): Promise<boolean> {
    const s = this.sessions.get(key(callId, supervisorId));
    if (!s || s.ended) return false;
    s.mode = mode;
    // Still ringing: the mode is applied when eavesdrop starts.
    if (s.ep) await this.d.esl.api(`uuid_recv_dtmf ${s.ep.uuid} ${DIGIT[mode]}`);
    this.d.timeline(callId, 'monitor-mode', { supervisor: supervisorId, mode });
    return true;
  }

  /** Supervisors on a call, with their mode. */
  on(callId: string): { supervisor: string; mode: MonitorMode; connected: boolean }[] {
    return [...this.sessions.entries()].filter(([k]) => k.startsWith(`${callId}/`)).map(([k, s]) => ({ supervisor: k.slice(callId.length + 1), mode: s.mode, connected: s.ep !== undefined }));
  }

  /** The monitored call ended: every supervisor on it is hung up. */
  endCall(callId: string): void {
    for (const { supervisor } of this.on(callId)) this.end(callId, supervisor);
  }

  end(callId: string, supervisorId: string): void {
    const k = key(callId, supervisorId);
    const s = this.sessions.get(k);
    if (!s || s.ended) return;
    s.ended = true;
    this.sessions.delete(k);
    s.ringing?.cancel();
    this.release(s);
    this.d.timeline(callId, 'monitor-ended', { supervisor: supervisorId });
  }

  private release(s: Session): void {
    if ((s.dialog as unknown as { connected?: boolean } | undefined)?.connected) s.dialog!.destroy();
    void s.ep?.destroy().catch(() => undefined);
  }
}

const key = (callId: string, supervisorId: string) => `${callId}/${supervisorId}`;
