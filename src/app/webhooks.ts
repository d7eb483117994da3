/**
 * Call events to a CRM or ticketing system: each configured webhook gets the
 * events it lists as JSON POSTs, signed with an HMAC of its secret, in order
 * per call, retried with back-off (src/core/webhooks/outbox.ts). Deliveries
 * never hold up a call: they run beside it, and what fails is counted in
 * /metrics (cc_webhook_deliveries_total{result="failed"|"dropped"}).
 *
 * A request: `POST <url>`, `Content-Type: application/json`,
 * `X-CC-Event: call.ended`, `X-CC-Delivery: <id>` (the same on every retry),
 * `X-CC-Timestamp: <ms>`, `X-CC-Signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<body>" with the secret>`; the body is
 * `{ id, type, at, callId, data }`. Any 2xx is delivered.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { Outbox, DEFAULT_OUTBOX, type OutboxCommand } from '../core/webhooks/outbox.js';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../api/metrics.js';
import type { CallStore } from '../store/calls.js';
import type { LiveEvent } from './calls/state.js';

/** Which timeline events are which webhook events. */
const EVENT_OF: Record<string, string> = {
  offered: 'call.offered',
  'agent-answered': 'call.answered',
  ended: 'call.ended',
  disposition: 'call.disposition',
  'voicemail-recorded': 'call.voicemail',
};

export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookDeps {
  config: () => Config;
  calls: CallStore;
  metrics: Metrics;
  log: Logger;
  now?: () => number;
  fetch?: typeof fetch;
  /** Back-off base (tests shorten it). */
  baseMs?: number;
}

export class Webhooks {
  private readonly boxes = new Map<string, Outbox>();
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private timer?: NodeJS.Timeout;
  /** Events are turned into bodies one after another, so each call's keep their order. */
  private order: Promise<void> = Promise.resolve();
  private stopped = false;
  private seq = 0;

  constructor(private readonly d: WebhookDeps) {
    this.now = d.now ?? Date.now;
    this.fetch = d.fetch ?? fetch;
  }

  /** A live event of the centre. */
  onEvent(e: LiveEvent): void {
    if (e.kind !== 'call' || this.stopped) return;
    const type = EVENT_OF[e.type];
    if (!type) return;
    const hooks = Object.entries(this.d.config().webhooks).filter(([, h]) => h.events.includes(type as never));
    if (hooks.length === 0) return;
    const at = this.now();
    const n = ++this.seq;
    this.order = this.order
      .then(async () => {
        let data: Record<string, unknown> = { ...(e.data ?? {}), ...(e.agentId ? { agentId: e.agentId } : {}) };
        if (type === 'call.ended') {
          // With the call's record, once its last writes have landed.
          await this.d.calls.flush(2_000);
          const rec = await this.d.calls.get(e.callId);
          if (rec) {
            const { timeline: _timeline, ...record } = rec;
            data = { ...data, record };
          }
        }
        const body = JSON.stringify({ id: `${e.callId}:${n}`, type, at: new Date(at).toISOString(), callId: e.callId, data });
        for (const [id] of hooks) this.apply(id, this.box(id).enqueue(e.callId, body, this.now()));
      })
      .catch((err: Error) => this.d.log.error({ err: err.message, callId: e.callId }, 'webhook event not queued'));
  }

  /** Resolves when what is queued now has been turned into deliveries (tests). */
  settled(): Promise<void> {
    return this.order;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private box(id: string): Outbox {
    let b = this.boxes.get(id);
    if (!b) this.boxes.set(id, (b = new Outbox({ ...DEFAULT_OUTBOX, maxAttempts: this.d.config().webhooks[id]?.maxAttempts ?? DEFAULT_OUTBOX.maxAttempts, ...(this.d.baseMs ? { baseMs: this.d.baseMs } : {}) })));
    return b;
  }

  private apply(id: string, cmds: OutboxCommand[]): void {
    for (const c of cmds) {
      if (c.type === 'send') void this.send(id, c.delivery.id, c.delivery.body, c.delivery.attempts);
      else {
        this.d.metrics.webhookDeliveries.inc({ hook: id, result: 'dropped' });
        this.d.log.error({ hook: id, delivery: JSON.parse(c.delivery.body).id, reason: c.reason, attempts: c.delivery.attempts }, 'webhook event given up');
      }
    }
    this.d.metrics.webhookPending.set({ hook: id }, this.boxes.get(id)?.pending ?? 0);
    this.arm();
  }

  private async send(id: string, deliveryId: number, body: string, attempt: number): Promise<void> {
    const hook = this.d.config().webhooks[id];
    let ok = false;
    let why = '';
    if (hook) {
      const timestamp = String(this.now());
      const event = (JSON.parse(body) as { type: string; id: string });
      try {
        const res = await this.fetch(hook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-cc-event': event.type,
            'x-cc-delivery': event.id,
            'x-cc-timestamp': timestamp,
            ...(hook.secret ? { 'x-cc-signature': sign(hook.secret, timestamp, body) } : {}),
          },
          body,
          signal: AbortSignal.timeout(hook.timeoutSec * 1000),
        });
        ok = res.ok;
        why = ok ? '' : `HTTP ${res.status}`;
        await res.body?.cancel().catch(() => undefined);
      } catch (err) {
        why = (err as Error).message;
      }
    } else why = 'webhook removed from the configuration';
    if (this.stopped) return;
    this.d.metrics.webhookDeliveries.inc({ hook: id, result: ok ? 'ok' : 'failed' });
    // The URL may carry a token: the hook's name is logged, never the address.
    if (!ok) this.d.log.warn({ hook: id, attempt, why }, 'webhook delivery failed; retrying with back-off');
    this.apply(id, this.box(id).done(deliveryId, ok || !hook, this.now()));
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    let next: number | undefined;
    for (const b of this.boxes.values()) {
      const due = b.nextDue();
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
    if (next === undefined) return;
    this.timer = setTimeout(() => {
      for (const [id, b] of this.boxes) this.apply(id, b.tick(this.now()));
    }, Math.max(0, next - this.now()));
    this.timer.unref();
  }
}
