/**
 * Configuration of the work around the call: dispositions, call scripts,
 * reports, webhooks and the CRM lookup (the sections and queue fields that
 * src/config/schema.ts puts together).
 */
import { Type } from '@sinclair/typebox';

/**
 * A queue's (or campaign's) dispositions: the codes an agent picks for a call they handled,
 * stored on the call. `required`: the agent's wrap-up does not end until one is given.
 * `outcome` says what a campaign does with the contact: done, retry later, or never call again.
 */
export const DispositionsSchema = Type.Object(
  {
    required: Type.Boolean({ default: false }),
    codes: Type.Array(
      Type.Object(
        {
          code: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$', description: 'letters, digits, _ . -; up to 40' }),
          label: Type.String({ minLength: 1, maxLength: 80 }),
          outcome: Type.Union([Type.Literal('done'), Type.Literal('retry'), Type.Literal('do-not-call')], { default: 'done' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
  },
  { additionalProperties: false },
);

/** A call script's step (src/core/script): what to say, fields to collect, checks, a disclosure, branches. */
const ScriptStepSchema = Type.Object(
  {
    title: Type.Optional(Type.String()),
    /** Text for the agent to say; {contact.name}, {caller}, {agent.name}, {queue.name}, {answers.<field>} are filled in. */
    say: Type.Optional(Type.String()),
    fields: Type.Array(
      Type.Object(
        {
          name: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,39}$' }),
          label: Type.Optional(Type.String()),
          type: Type.Union(['text', 'number', 'date', 'email', 'phone', 'choice', 'yes-no'].map((x) => Type.Literal(x)), { default: 'text' }),
          required: Type.Boolean({ default: false }),
          /** A pattern the whole value must match (text, phone). */
          pattern: Type.Optional(Type.String()),
          options: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
          min: Type.Optional(Type.Number()),
          max: Type.Optional(Type.Number()),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    /** Check boxes (e.g. "identity confirmed"); required ones must be ticked to go on. */
    checks: Type.Array(
      Type.Object({ name: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,39}$' }), label: Type.String(), required: Type.Boolean({ default: true }) }, { additionalProperties: false }),
      { default: [] },
    ),
    /** A compliance disclosure: the agent must acknowledge having read it out. */
    disclosure: Type.Boolean({ default: false }),
    /** The first branch whose field equals the value decides the next step; otherwise `next`. */
    branches: Type.Array(Type.Object({ field: Type.String(), equals: Type.String(), next: Type.String() }, { additionalProperties: false }), { default: [] }),
    next: Type.Optional(Type.String()),
    /** The script is finished after this step. */
    end: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

export const ScriptSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    start: Type.String(),
    steps: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), ScriptStepSchema, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/** A CRM's or ticketing system's address for call events (src/app/webhooks.ts). */
export const WebhookSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://' }),
    /** Signs each request: X-CC-Signature: sha256=HMAC(secret, "<X-CC-Timestamp>.<body>"). */
    secret: Type.Optional(Type.String({ minLength: 16 })),
    events: Type.Array(Type.Union(['call.offered', 'call.answered', 'call.ended', 'call.disposition', 'call.voicemail'].map((e) => Type.Literal(e))), {
      default: ['call.offered', 'call.answered', 'call.ended', 'call.disposition', 'call.voicemail'],
    }),
    timeoutSec: Type.Number({ minimum: 0.1, maximum: 60, default: 5 }),
    /** Tries per event before it is given up (counted in /metrics). */
    maxAttempts: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
  },
  { additionalProperties: false },
);

/** A CRM that says who a caller is (src/app/crm-lookup.ts). */
export const CrmSchema = Type.Object(
  {
    /** GET this address, {number} filled in (URL-encoded); the answer is JSON {name?, company?, properties?}. */
    lookupUrl: Type.String({ pattern: '^https?://' }),
    /** Header lines sent along (e.g. Authorization: "Bearer ${CRM_TOKEN}"). */
    headers: Type.Record(Type.String(), Type.String(), { default: {} }),
    /** The offer never waits longer than this for the CRM: then the imported contact (or the caller's own name) shows. */
    timeoutMs: Type.Integer({ minimum: 10, maximum: 5_000, default: 300 }),
    /** Answers (and "unknown") are kept this long. */
    cacheSec: Type.Integer({ minimum: 0, maximum: 86_400, default: 300 }),
  },
  { additionalProperties: false },
);

/** How the reports and the wallboard count. */
export const ReportsSchema = Type.Object(
  {
    /** The site's days and hours (IANA zone): "today" on the wallboard, days and hours in reports. */
    timeZone: Type.String({ default: 'UTC' }),
    /** Service level: the share of calls answered within this many seconds of queueing. */
    serviceLevelSec: Type.Number({ minimum: 1, maximum: 3600, default: 20 }),
  },
  { additionalProperties: false, default: {} },
);

