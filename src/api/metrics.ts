/** Prometheus metrics (prom-client) for the daemon. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { agentStatus } from '../core/acd/agent.js';
import type { Router } from '../core/acd/router.js';

export class Metrics {
  readonly registry = new Registry();
  readonly callsActive = new Gauge({ name: 'cc_calls_active', help: 'Calls in progress', registers: [this.registry] });
  readonly callsTotal = new Counter({ name: 'cc_calls_total', help: 'Finished calls by disposition', labelNames: ['disposition'], registers: [this.registry] });
  readonly offerLatency = new Histogram({
    name: 'cc_offer_latency_seconds',
    help: 'Queue entry to the INVITE leaving for the agent',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly dependencyUp = new Gauge({ name: 'cc_dependency_up', help: '1 when a dependency is connected', labelNames: ['dependency'], registers: [this.registry] });
  readonly internalErrors = new Counter({ name: 'cc_internal_errors_total', help: 'Errors that reached the process-level handler (logged, the daemon kept running)', labelNames: ['kind'], registers: [this.registry] });
  readonly sipRefused = new Counter({ name: 'cc_sip_refused_total', help: 'SIP requests refused at the door, by reason (banned source, rate limit)', labelNames: ['reason'], registers: [this.registry] });
  readonly sipBans = new Counter({ name: 'cc_sip_bans_total', help: 'Source addresses banned after repeated failures', registers: [this.registry] });
  readonly recordingFailures = new Counter({ name: 'cc_recording_failures_total', help: 'Call recordings that could not be written (the calls went on)', registers: [this.registry] });
  readonly controlLatency = new Histogram({ name: 'cc_control_seconds', help: 'Live-call control request to FreeSWITCH done, by control', labelNames: ['control'], buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1], registers: [this.registry] });
  readonly externalRefused = new Counter({ name: 'cc_external_refused_total', help: 'Calls to external numbers refused by the toll-fraud rules, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly dbWritesLost = new Counter({ name: 'cc_db_writes_lost_total', help: 'Call record writes dropped (backlog overflow while the database failed, or refused writes)', registers: [this.registry] });
  readonly webhookDeliveries = new Counter({ name: 'cc_webhook_deliveries_total', help: 'Webhook requests by hook and result (ok, failed: retried, dropped: given up)', labelNames: ['hook', 'result'], registers: [this.registry] });
  readonly webhookPending = new Gauge({ name: 'cc_webhook_pending', help: 'Webhook events waiting to be delivered, by hook', labelNames: ['hook'], registers: [this.registry] });
  readonly registrations = new Gauge({ name: 'cc_registrations', help: 'Registered agent devices', registers: [this.registry] });
  readonly jobs = new Gauge({ name: 'cc_jobs', help: 'Background work (transcription, voicemail e-mail) by kind and status: pending (retrying included), running, failed (given up)', labelNames: ['kind', 'status'], registers: [this.registry] });
  readonly jobsRetrying = new Gauge({ name: 'cc_jobs_retrying', help: 'Pending background work that failed at least once and waits for its next try, by kind', labelNames: ['kind'], registers: [this.registry] });
  readonly jobsOldestPending = new Gauge({ name: 'cc_jobs_oldest_pending_seconds', help: 'Age of the oldest pending piece of background work, by kind (0: none)', labelNames: ['kind'], registers: [this.registry] });
  readonly jobResults = new Counter({ name: 'cc_jobs_total', help: 'Background work tries by kind and result (done, failed: to be retried, gave-up)', labelNames: ['kind', 'result'], registers: [this.registry] });
  readonly transcribedSeconds = new Counter({ name: 'cc_transcribed_audio_seconds_total', help: 'Seconds of audio transcribed, by source (recording, voicemail, live)', labelNames: ['source'], registers: [this.registry] });
  readonly liveTranscriptions = new Gauge({ name: 'cc_live_transcriptions', help: 'Calls being transcribed live', registers: [this.registry] });
  readonly liveSegments = new Counter({ name: 'cc_live_transcript_segments_total', help: 'Final live transcript segments sent to desks, by speaker', labelNames: ['speaker'], registers: [this.registry] });
  private readonly agents = new Gauge({ name: 'cc_agents', help: 'Agents by status', labelNames: ['status'], registers: [this.registry] });
  private readonly waiting = new Gauge({ name: 'cc_queue_waiting', help: 'Calls waiting per queue', labelNames: ['queue'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  agentStatus(router: Router): void {
    const counts = new Map<string, number>();
    for (const a of router.agents.values()) {
      const status = agentStatus(a);
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
    this.agents.reset();
    for (const [s, n] of counts) this.agents.set({ status: s }, n);
  }

  queues(router: Router): void {
    this.waiting.reset();
    for (const [id, q] of router.queues) if (!id.startsWith('direct:')) this.waiting.set({ queue: id }, q.waiting.length);
  }
}
