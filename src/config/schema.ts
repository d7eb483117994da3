/**
 * The configuration schema: one TypeBox definition gives both the JSON Schema
 * that validates admins' YAML files and the TypeScript types the code uses.
 *
 * A configuration directory holds any number of YAML files; each file may set
 * any of the top-level sections below. Keyed sections (numbers, agents, queues,
 * ivr) are merged across files; the same key in two files is an error.
 */
import { Type, type Static } from '@sinclair/typebox';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Seconds = (def: number, max = 86_400) => Type.Number({ minimum: 0, maximum: max, default: def });

export const DaemonSchema = Type.Object(
  {
    http: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
      },
      { additionalProperties: false, default: {} },
    ),
    dataDir: Type.String({ default: './data' }),
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
  },
  { additionalProperties: false },
);

export const RouteSchema = Type.Union([
  Type.Object({ queue: Type.String() }, { additionalProperties: false }),
  Type.Object({ agent: Type.String() }, { additionalProperties: false }),
  Type.Object({ hangup: Type.Optional(Type.String()) }, { additionalProperties: false }),
]);

export const NumberSchema = Type.Object(
  {
    route: RouteSchema,
    /** Prompt played before routing, a file under sounds/ or any FreeSWITCH playable. */
    welcome: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
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
  },
  { additionalProperties: false },
);

export const QueueSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    strategy: Type.Union([Type.Literal('longest-idle'), Type.Literal('round-robin'), Type.Literal('ring-all')], {
      default: 'longest-idle',
    }),
    members: Type.Array(Type.String(), { default: [] }),
    /** What the caller hears while waiting: local_stream://NAME, a file, or a tone_stream. */
    holdMusic: Type.String({ default: 'local_stream://moh' }),
    welcome: Type.Optional(Type.String()),
    offerTimeoutSec: Seconds(18, 600),
    wrapUpSec: Seconds(5, 3600),
    missedBackoffSec: Seconds(7, 3600),
    maxWaitSec: Type.Optional(Type.Number({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    daemon: DaemonSchema,
    freeswitch: FreeswitchSchema,
    drachtio: DrachtioSchema,
    sip: SipSchema,
    numbers: Type.Record(Type.String({ pattern: '^\\+?[0-9]{2,20}$' }), NumberSchema, { default: {} }),
    agents: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), AgentSchema, { default: {} }),
    queues: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), QueueSchema, { default: {} }),
    /** Answering-machine detection tunables by profile name (checked against the detector's own ranges). */
    amdProfiles: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }), Type.Record(Type.String(), Type.Number()), { default: {} }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type AgentConfig = Static<typeof AgentSchema>;
export type QueueConfig = Static<typeof QueueSchema>;
export type NumberConfig = Static<typeof NumberSchema>;
export type Route = Static<typeof RouteSchema>;
export type TransportConfig = Static<typeof TransportSchema>;

/** Sections whose entries are merged by key across files. */
export const KEYED_SECTIONS = ['numbers', 'agents', 'queues', 'amdProfiles'] as const;
/** Sections that one file owns whole. */
export const SINGLE_SECTIONS = ['daemon', 'freeswitch', 'drachtio', 'sip'] as const;
