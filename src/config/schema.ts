/**
 * The configuration schema: one TypeBox definition gives both the JSON Schema
 * that validates admins' YAML files and the TypeScript types the code uses.
 *
 * A configuration directory holds any number of YAML files; each file may set
 * any of the top-level sections below. Keyed sections (numbers, agents, queues,
 * ivr) are merged across files; the same key in two files is an error.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CrmSchema, DispositionsSchema, ReportsSchema, ScriptSchema, WebhookSchema } from './work-schema.js';
import { IvrFlowSchema } from './ivr-schema.js';
import { EmailAddress, EmailSchema, TranscriptionMode, TranscriptionSchema } from './transcription-schema.js';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Seconds = (def: number, max = 86_400) => Type.Number({ minimum: 0, maximum: max, default: def });

export const DaemonSchema = Type.Object(
  {
    http: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        /** When set, /api/* requires `Authorization: Bearer <token>` (or ?token= for WebSockets). */
        token: Type.Optional(Type.String({ minLength: 16 })),
        /** A token that opens the wallboard only, read-only, for a wall screen: /desk/wallboard.html?token=... */
        wallboardToken: Type.Optional(Type.String({ minLength: 16 })),
        /** How long an agent's desk session lasts after signing in. */
        sessionHours: Type.Number({ minimum: 0.01, maximum: 24 * 30, default: 12 }),
        /** Serve the API and the desk over HTTPS (browsers allow the microphone only on https or localhost); adds Strict-Transport-Security. */
        tls: Type.Optional(Type.Object({ certFile: Type.String(), keyFile: Type.String() }, { additionalProperties: false })),
      },
      { additionalProperties: false, default: {} },
    ),
    dataDir: Type.String({ default: './data' }),
    /** Where call recordings are written (FreeSWITCH must see the same path); default <dataDir>/recordings. */
    recordingsDir: Type.Optional(Type.String()),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    /** Node id, written into CDRs so that several nodes can share one database. */
    nodeId: Type.String({ default: 'node1', pattern: '^[A-Za-z0-9_.-]+$' }),
  },
  { additionalProperties: false, default: {} },
);

export const FreeswitchSchema = Type.Object(
  {
    eventSocket: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 8021 }),
        password: Type.String({ default: 'ClueCon' }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** The sofia profile drachtio hands media legs to (see freeswitch-conf/sip_profiles). */
    mediaProfile: Type.String({ default: 'drachtio_mrf' }),
    /** Where the daemon listens for FreeSWITCH's outbound Event Socket connections. */
    listenAddress: Type.String({ default: '127.0.0.1' }),
    listenPort: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
    /** Directory of the project's sounds as FreeSWITCH sees it. */
    soundsDir: Type.Optional(Type.String()),
  },
  { additionalProperties: false, default: {} },
);

export const DrachtioSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 9022 }),
    secret: Type.String({ default: 'cymru' }),
  },
  { additionalProperties: false, default: {} },
);

export const TransportSchema = Type.Object(
  {
    protocol: Type.Union([Type.Literal('udp'), Type.Literal('tcp'), Type.Literal('ws'), Type.Literal('wss'), Type.Literal('tls')]),
    address: Type.String({ default: '127.0.0.1' }),
    port: Port,
    /** Address written into SIP headers when it differs from the bound one (NAT, containers). */
    external: Type.Optional(Type.String()),
    certFile: Type.Optional(Type.String()),
    keyFile: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const SipSchema = Type.Object(
  {
    domain: Type.String({ minLength: 1 }),
    transports: Type.Array(TransportSchema, { minItems: 1 }),
    registration: Type.Object(
      {
        minExpires: Type.Integer({ minimum: 10, default: 60 }),
        maxExpires: Type.Integer({ minimum: 10, default: 3600 }),
        defaultExpires: Type.Integer({ minimum: 10, default: 600 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Protection against scanners, brute force and floods (see src/core/security/source-guard.ts). */
    security: Type.Object(
      {
        /** This many refused authentications or requests for unknown users/numbers from one address within windowSec ban it for banSec. */
        maxFailures: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
        windowSec: Type.Number({ minimum: 1, maximum: 86_400, default: 60 }),
        banSec: Type.Number({ minimum: 1, maximum: 30 * 86_400, default: 900 }),
        /** Requests per second one address may send (out of dialog), with bursts up to `burst`. */
        perSecond: Type.Number({ minimum: 1, maximum: 100_000, default: 50 }),
        burst: Type.Integer({ minimum: 1, maximum: 100_000, default: 100 }),
        /** The office's own networks (CIDR or address): never banned or limited. */
        allow: Type.Array(Type.String(), { default: [] }),
        /** User-Agent substrings drachtio-server refuses (603) before the daemon sees them (SIP scanners). */
        scannerUserAgents: Type.Array(Type.String({ minLength: 3 }), { default: ['friendly-scanner', 'sipvicious', 'sip-cli', 'sipcli', 'VaxSIPUserAgent', 'sipsak', 'SIVuS', 'Gulp', 'sundayddr', 'iWar', 'pplsip'] }),
        /** How many source addresses are tracked at most (memory bound under floods from many addresses). */
        maxSources: Type.Integer({ minimum: 100, maximum: 10_000_000, default: 100_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]+$' });
const Skills = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), Type.Integer({ minimum: 1, maximum: 100 }), { default: {} });

/** Where a call goes: the targets numbers, IVR flows and queue overflows share. */
export const TargetSchema = Type.Union(
  [
    Type.Object({ queue: Type.String(), priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })) }, { additionalProperties: false }),
    Type.Object({ agent: Type.String() }, { additionalProperties: false }),
    Type.Object({ ivr: Type.String() }, { additionalProperties: false }),
    Type.Object({ voicemail: Type.String() }, { additionalProperties: false }),
    Type.Object({ number: Type.String({ pattern: '^\\+?[0-9*#]{2,20}$' }), trunk: Type.Optional(Type.String()) }, { additionalProperties: false }),
    Type.Object({ hangup: Type.Optional(Type.Union([Type.Boolean(), Type.String()])), message: Type.Optional(Type.String()) }, { additionalProperties: false }),
  ],
  { description: 'a target' },
);
export const RouteSchema = TargetSchema;

const RecordingMode = Type.Union([Type.Literal('auto'), Type.Literal('on-demand'), Type.Literal('off')], { description: 'auto | on-demand | off' });

export const NumberSchema = Type.Object(
  {
    route: TargetSchema,
    /** Prompt played before routing, a file under sounds/ or any FreeSWITCH playable. */
    welcome: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    /** The client (tenant) calls to this number belong to. */
    client: Type.Optional(Type.String()),
    /** Recording of this number's calls, when their queue does not say. */
    recording: Type.Optional(RecordingMode),
    /** Played to the caller before an agent is connected ("this call may be recorded"). */
    recordingNotice: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const AgentSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    extension: Type.String({ pattern: '^[0-9]{2,8}$' }),
    sip: Type.Object(
      {
        username: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.!~*()&=+$,;?/-]+$' }),
        password: Type.String({ minLength: 4 }),
      },
      { additionalProperties: false },
    ),
    /** Presence the agent gets when first seen; later it is what the agent last chose. */
    initialPresence: Type.Union([Type.Literal('ready'), Type.Literal('standby'), Type.Literal('offline')], {
      default: 'ready',
    }),
    /** Skill -> proficiency 1-100; queues may require minimum proficiencies. */
    skills: Skills,
    /** Clients (tenants) this agent works for; empty: all. */
    clients: Type.Array(Type.String(), { default: [] }),
    /** Ask desk phones to answer offers by themselves (Call-Info answer-after / Alert-Info auto-answer). */
    autoAnswer: Type.Boolean({ default: false }),
    /** Where direct calls to this agent go when the agent is busy or unavailable. */
    fallback: Type.Optional(TargetSchema),
    /** May send calls to external numbers (blind transfer to a number); see the `external` section. */
    mayCallExternal: Type.Boolean({ default: false }),
    /** Queues whose live calls this agent may supervise (listen, whisper, barge) from the desk's supervisor view. */
    supervises: Type.Array(Type.String(), { default: [] }),
  },
  { additionalProperties: false },
);

const MemberSchema = Type.Union([Type.String(), Type.Object({ agent: Type.String(), tier: Type.Integer({ minimum: 1, maximum: 9, default: 1 }) }, { additionalProperties: false })]);

export const QueueSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    client: Type.Optional(Type.String()),
    strategy: Type.Union(
      ['longest-idle', 'round-robin', 'fewest-calls', 'least-talk-time', 'ring-all', 'top-down', 'random'].map((s) => Type.Literal(s)),
      { default: 'longest-idle' },
    ),
    /** Agent ids, or {agent, tier}: tier 1 first, the next tier joins after tierEscalationSec of waiting. */
    members: Type.Array(MemberSchema, { default: [] }),
    tierEscalationSec: Seconds(30, 3600),
    /** Skill -> minimum proficiency an agent needs for this queue. */
    requiredSkills: Skills,
    /** What the caller hears while waiting: local_stream://NAME, a file, or a tone_stream. */
    holdMusic: Type.String({ default: 'local_stream://moh' }),
    welcome: Type.Optional(Type.String()),
    /** Periodic announcement of the caller's position and estimated wait. */
    announce: Type.Optional(
      Type.Object(
        { everySec: Type.Number({ minimum: 10, maximum: 3600 }), position: Type.Boolean({ default: true }), estimatedWait: Type.Boolean({ default: true }) },
        { additionalProperties: false },
      ),
    ),
    offerTimeoutSec: Seconds(18, 600),
    wrapUpSec: Seconds(5, 3600),
    missedBackoffSec: Seconds(7, 3600),
    maxWaitSec: Type.Optional(Type.Number({ minimum: 1 })),
    maxWaitNoAgentSec: Type.Optional(Type.Number({ minimum: 0 })),
    maxSize: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Where calls go when a limit is reached (default: a message, then hang up). */
    overflow: Type.Optional(TargetSchema),
    /** Recording of this queue's calls: auto (from the agent's answer), on-demand (the agent starts it) or off. */
    recording: Type.Optional(RecordingMode),
    /** Transcripts of this queue's calls: after the call from its recordings, live during the call (and kept), or none. */
    transcription: Type.Optional(TranscriptionMode),
    /** Recordings of this queue are deleted after this many days. */
    recordingRetentionDays: Type.Optional(Type.Number({ minimum: 1, maximum: 36500 })),
    /** What agents pick for each call they handled (see src/core/work). */
    dispositions: Type.Optional(DispositionsSchema),
    /** The call script the desk shows (a name in the scripts section). */
    script: Type.Optional(Type.String()),
    /** A page the desk opens when a call starts (wins over `script`); {callId}, {caller}, {queue}, {agent}, {contact.name} are filled in. */
    scriptUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** A caller who spoke with an agent within windowSec is offered to that agent first (waiting up to waitSec for them). */
    affinity: Type.Optional(
      Type.Object({ windowSec: Type.Number({ minimum: 1 }), waitSec: Type.Number({ minimum: 0, default: 0 }) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export const VoicemailBoxSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    greeting: Type.Optional(Type.String()),
    maxSec: Type.Number({ minimum: 5, maximum: 3600, default: 120 }),
    /** Who gets each message by e-mail (the transcript, caller, time, duration and the audio attached); needs the email section. */
    email: Type.Array(EmailAddress, { default: [] }),
    /** Messages are transcribed (with the transcription section's engine). */
    transcribe: Type.Boolean({ default: true }),
    /** The desk lists and plays the box's messages to the agents named here, to the members of `queue` and to its supervisors. */
    queue: Type.Optional(Type.String()),
    agents: Type.Array(Type.String(), { default: [] }),
  },
  { additionalProperties: false },
);

export const TrunkSchema = Type.Object(
  {
    /** Where calls to external numbers are sent, e.g. sip:gateway.example:5060;transport=udp. */
    uri: Type.String({ pattern: '^sips?:' }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** Toll-fraud rules for every call to an external number (see src/core/security/toll-guard.ts). */
export const ExternalSchema = Type.Object(
  {
    /** Numbers are read as dialled in this country (ISO 3166 code); other countries are international. */
    homeCountry: Type.String({ pattern: '^[A-Z]{2}$', default: 'US' }),
    international: Type.Boolean({ default: false }),
    /** Premium-rate and shared-cost numbers. */
    premium: Type.Boolean({ default: false }),
    /** Regular expressions for numbers allowed whatever their kind (e.g. a partner abroad). */
    allow: Type.Array(Type.String(), { default: [] }),
    /** Regular expressions for numbers always refused (checked first). */
    deny: Type.Array(Type.String(), { default: [] }),
    maxConcurrent: Type.Integer({ minimum: 0, maximum: 100_000, default: 20 }),
    maxConcurrentPerAgent: Type.Integer({ minimum: 0, maximum: 1000, default: 2 }),
    maxCallsPerDay: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 1000 }),
    maxMinutesPerDay: Type.Integer({ minimum: 0, maximum: 100_000_000, default: 6000 }),
    /** Where the day starts and ends for the daily budget (IANA zone). */
    timeZone: Type.String({ default: 'UTC' }),
  },
  { additionalProperties: false, default: {} },
);

export const RoutingSchema = Type.Object(
  {
    /** After this many missed offers in a row the agent is moved to standby. */
    maxMissedInRow: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
    /** Break reasons agents may choose. */
    breakReasons: Type.Array(Type.String(), { default: ['lunch', 'meeting', 'training', 'personal'] }),
    /** A blind transfer to an external number that fails (busy, no answer) returns the customer to the call's queue, or to the transferring agent. */
    failedTransferTo: Type.Union([Type.Literal('queue'), Type.Literal('agent')], { default: 'queue' }),
    /** The agent hangs up while consulting: put the customer through to the consulted party (as desk phones do), or back to the queue. */
    agentLeavesConsult: Type.Union([Type.Literal('complete'), Type.Literal('requeue')], { default: 'complete' }),
    /** The agent leaves a 3-way call: the customer and the other party stay connected, or the whole call ends. */
    agentLeavesMerge: Type.Union([Type.Literal('keep'), Type.Literal('end')], { default: 'keep' }),
    /** How long a consult (a colleague, an external number) rings before it fails as not answered. */
    consultTimeoutSec: Seconds(30, 600),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    daemon: DaemonSchema,
    freeswitch: FreeswitchSchema,
    drachtio: DrachtioSchema,
    sip: SipSchema,
    numbers: Type.Record(Type.String({ pattern: '^\\+?[0-9]{2,20}$' }), NumberSchema, { default: {}, additionalProperties: false }),
    agents: Type.Record(Id, AgentSchema, { default: {}, additionalProperties: false }),
    queues: Type.Record(Id, QueueSchema, { default: {}, additionalProperties: false }),
    clients: Type.Record(Id, Type.Object({ name: Type.Optional(Type.String()) }, { additionalProperties: false }), { default: {}, additionalProperties: false }),
    voicemail: Type.Record(Id, VoicemailBoxSchema, { default: {}, additionalProperties: false }),
    trunks: Type.Record(Id, TrunkSchema, { default: {}, additionalProperties: false }),
    routing: RoutingSchema,
    external: ExternalSchema,
    reports: ReportsSchema,
    /** Who callers are, from a CRM, besides the imported contacts. */
    crm: Type.Optional(CrmSchema),
    /** IVR ("smart routing") flows by name; see src/config/ivr-schema.ts. */
    ivr: Type.Record(Id, IvrFlowSchema, { default: {}, additionalProperties: false }),
    /** Call events to other systems by name; see src/app/webhooks.ts. */
    webhooks: Type.Record(Id, WebhookSchema, { default: {}, additionalProperties: false }),
    /** Call scripts by name; see src/core/script. */
    scripts: Type.Record(Id, ScriptSchema, { default: {}, additionalProperties: false }),
    /** Messages an agent can leave on a customer's voicemail ("voicemail drop"), by name. */
    voicemailDrops: Type.Record(Id, Type.Object({ file: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()) }, { additionalProperties: false }), { default: {}, additionalProperties: false }),
    /** The speech-to-text engine (see src/config/transcription-schema.ts); calls are transcribed only where queues or campaigns ask. */
    transcription: TranscriptionSchema,
    /** The SMTP server voicemail is e-mailed through. */
    email: Type.Optional(EmailSchema),
    /** Answering-machine detection tunables by profile name (checked against the detector's own ranges). */
    amdProfiles: Type.Record(Id, Type.Record(Type.String(), Type.Number()), { default: {}, additionalProperties: false }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type AgentConfig = Static<typeof AgentSchema>;
export type QueueConfig = Static<typeof QueueSchema>;
export type NumberConfig = Static<typeof NumberSchema>;
export type Route = Static<typeof RouteSchema>;
export type Target = Static<typeof TargetSchema>;
export type TransportConfig = Static<typeof TransportSchema>;

/** Sections whose entries are merged by key across files. */
export const KEYED_SECTIONS = ['numbers', 'agents', 'queues', 'amdProfiles', 'clients', 'voicemail', 'trunks', 'ivr', 'voicemailDrops', 'scripts', 'webhooks'] as const;
/** Sections that one file owns whole. */
export const SINGLE_SECTIONS = ['daemon', 'freeswitch', 'drachtio', 'sip', 'routing', 'external', 'reports', 'crm', 'transcription', 'email'] as const;
