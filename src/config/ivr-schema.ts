/**
 * IVR ("smart routing") flows: the configuration schema (its cross-checks: ivr-check.ts).
 *
 * A flow is a named graph of steps. The call enters at `entry`; every step has
 * a `type` and, where the call goes on, a `next` (or other step names: menu
 * options, `onFail`, `else`...). Steps run by src/core/ivr/session.ts.
 *
 * Step types:
 * - play       `prompt` (one or a list), then `next`.
 * - menu       `prompt`, `options` digit -> step; `timeoutSec` (5), `retries` (2)
 *              re-prompts after the first try, `invalidPrompt`, `timeoutPrompt`,
 *              `onFail` once retries are exhausted.
 * - collect    `prompt`, digits into `variable`: `minDigits` (1), `maxDigits` (20),
 *              `terminator` ("#", "" for none), `timeoutSec` (5),
 *              `interDigitTimeoutSec` (3), `validate` (a pattern the whole input
 *              must match), `retries` (2), `invalidPrompt`, `timeoutPrompt`,
 *              `onFail`; then `next`.
 * - condition  `holidays` (YYYY-MM-DD, or MM-DD every year) go to `onHoliday`;
 *              otherwise the first `when` rule whose every condition holds wins:
 *              `days`, `from`/`to` (HH:MM local, from inclusive, to exclusive; a
 *              range over midnight such as 22:00-06:00 works), `dates`, `var` with
 *              `equals` or `matches` (a pattern the whole value must match);
 *              otherwise `else`. Times are in the flow's `timezone` (IANA, default
 *              UTC) at the moment the call started.
 * - set        `variables` name -> value; values may use `${name}` of variables
 *              set or collected earlier and of the built-ins `${caller}`, `${did}`.
 * - route      the end of the flow, `to` one of: `{ queue, priority? }`,
 *              `{ agent }`, `{ voicemail }`, `{ number }`, `{ hangup: true | CAUSE }`.
 *              The call's variables go along.
 * Prompts are files under sounds/ or `say:` text for text-to-speech; they may
 * use `${name}` too.
 *
 * Example (config/ivr.yaml):
 * ```yaml
 * ivr:
 *   main:
 *     description: Support line, office hours in Paris
 *     timezone: Europe/Paris
 *     entry: hours
 *     steps:
 *       hours:
 *         type: condition
 *         holidays: ["2026-12-25", "01-01"]      # a date, or MM-DD for every year
 *         onHoliday: holiday
 *         when:
 *           - { days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:30", next: welcome }
 *           - { days: [sat], from: "09:00", to: "12:00", next: welcome }
 *         else: closed
 *       welcome:
 *         type: play
 *         prompt: [welcome.wav, "say:Calls may be recorded for training."]
 *         next: menu
 *       menu:
 *         type: menu
 *         prompt: main-menu.wav
 *         options: { "1": sales, "2": account, "0": operator }
 *         timeoutSec: 5
 *         retries: 2                           # re-prompts after the first try
 *         invalidPrompt: invalid-option.wav
 *         timeoutPrompt: no-input.wav
 *         onFail: operator
 *       account:
 *         type: collect
 *         prompt: "say:Please enter your account number, then press hash."
 *         variable: account
 *         minDigits: 6
 *         maxDigits: 8
 *         validate: "[0-9]{6,8}"               # must match the whole input
 *         invalidPrompt: "say:That is not a valid account number."
 *         onFail: operator
 *         next: vip
 *       vip:
 *         type: condition
 *         when:
 *           - { var: account, matches: "9.*", next: priority }
 *         else: tag
 *       tag:
 *         type: set
 *         variables: { department: billing, ref: "${did}/${account}" }
 *         next: billing
 *       billing:  { type: route, to: { queue: support } }
 *       priority: { type: route, to: { queue: support, priority: 10 } }
 *       sales:    { type: route, to: { queue: sales } }
 *       operator: { type: route, to: { agent: alice } }
 *       closed:   { type: play, prompt: closed.wav, next: voicemail }
 *       voicemail: { type: route, to: { voicemail: general } }
 *       holiday:  { type: play, prompt: "say:We are closed for the holiday.", next: bye }
 *       bye:      { type: route, to: { hangup: NORMAL_CLEARING } }
 * ```
 * (`${did}/${account}` is flow interpolation, not the loader's environment
 * substitution: the loader must leave the `ivr` section's `${...}` alone.)
 *
 * Structure is checked by the schema; {@link validateIvrFlows} checks what a
 * schema cannot: step names that exist, steps nothing leads to, queues, agents
 * and voicemail boxes that exist, loops that never wait for the caller,
 * patterns, time zones and variable names.
 *
 * Each step type is chosen with if/then on `type` rather than anyOf, so that
 * ajv applies defaults inside steps and reports a typo as an unknown field of
 * that step type (anyOf would hide both).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const IVR_STEP_TYPES = ['play', 'menu', 'collect', 'condition', 'set', 'route'] as const;
export type IvrStepType = (typeof IVR_STEP_TYPES)[number];

/** Values a step gets when the field is left out (ajv fills them in; the interpreter falls back to them too). */
export const IVR_DEFAULTS = {
  timezone: 'UTC',
  menuTimeoutSec: 5,
  retries: 2,
  minDigits: 1,
  maxDigits: 20,
  terminator: '#',
  collectTimeoutSec: 5,
  interDigitTimeoutSec: 3,
} as const;

// Records spell out additionalProperties: false, or TypeBox would not enforce their key patterns.
const StepName = Type.String({ pattern: '^[A-Za-z0-9_.-]+$' });
const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]+$' });
const VarName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
/** One prompt or a list of them, played in order. */
const Prompt = Type.Unsafe<string | string[]>({
  type: ['string', 'array'],
  minLength: 1,
  items: { type: 'string', minLength: 1 },
  minItems: 1,
});
const Seconds = (def: number, max: number) => Type.Optional(Type.Number({ minimum: 0.5, maximum: max, default: def }));
const Retries = Type.Optional(Type.Integer({ minimum: 0, maximum: 10, default: IVR_DEFAULTS.retries }));
const Clock = Type.String({ pattern: '^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$' });
const DateOrDay = Type.String({ pattern: '^([0-9]{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' });
const Weekday = Type.Union([
  Type.Literal('mon'),
  Type.Literal('tue'),
  Type.Literal('wed'),
  Type.Literal('thu'),
  Type.Literal('fri'),
  Type.Literal('sat'),
  Type.Literal('sun'),
]);
const Description = Type.Optional(Type.String());

export const IvrPlayStepSchema = Type.Object(
  { type: Type.Literal('play'), description: Description, prompt: Prompt, next: StepName },
  { additionalProperties: false },
);

export const IvrMenuStepSchema = Type.Object(
  {
    type: Type.Literal('menu'),
    description: Description,
    prompt: Prompt,
    options: Type.Record(Type.String({ pattern: '^[0-9*#]$' }), StepName, { minProperties: 1, additionalProperties: false }),
    timeoutSec: Seconds(IVR_DEFAULTS.menuTimeoutSec, 120),
    retries: Retries,
    invalidPrompt: Type.Optional(Prompt),
    timeoutPrompt: Type.Optional(Prompt),
    onFail: StepName,
  },
  { additionalProperties: false },
);

export const IvrCollectStepSchema = Type.Object(
  {
    type: Type.Literal('collect'),
    description: Description,
    prompt: Prompt,
    variable: VarName,
    minDigits: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, default: IVR_DEFAULTS.minDigits })),
    maxDigits: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, default: IVR_DEFAULTS.maxDigits })),
    /** The key that ends input early: "#", "*", or "" for none. */
    terminator: Type.Optional(Type.String({ pattern: '^[#*]?$', default: IVR_DEFAULTS.terminator })),
    timeoutSec: Seconds(IVR_DEFAULTS.collectTimeoutSec, 120),
    interDigitTimeoutSec: Seconds(IVR_DEFAULTS.interDigitTimeoutSec, 60),
    /** A pattern the whole input must match, e.g. "[0-9]{6}" or "4[0-9]{15}". */
    validate: Type.Optional(Type.String({ minLength: 1 })),
    retries: Retries,
    invalidPrompt: Type.Optional(Prompt),
    timeoutPrompt: Type.Optional(Prompt),
    onFail: StepName,
    next: StepName,
  },
  { additionalProperties: false },
);

export const IvrConditionRuleSchema = Type.Object(
  {
    days: Type.Optional(Type.Array(Weekday, { minItems: 1 })),
    from: Type.Optional(Clock),
    to: Type.Optional(Clock),
    dates: Type.Optional(Type.Array(DateOrDay, { minItems: 1 })),
    var: Type.Optional(VarName),
    equals: Type.Optional(Type.String()),
    /** A pattern the whole value must match. */
    matches: Type.Optional(Type.String({ minLength: 1 })),
    next: StepName,
  },
  { additionalProperties: false },
);

export const IvrConditionStepSchema = Type.Object(
  {
    type: Type.Literal('condition'),
    description: Description,
    holidays: Type.Optional(Type.Array(DateOrDay)),
    onHoliday: Type.Optional(StepName),
    when: Type.Optional(Type.Array(IvrConditionRuleSchema, { default: [] })),
    else: StepName,
  },
  { additionalProperties: false },
);

export const IvrSetStepSchema = Type.Object(
  {
    type: Type.Literal('set'),
    description: Description,
    variables: Type.Record(VarName, Type.String(), { minProperties: 1, additionalProperties: false }),
    next: StepName,
  },
  { additionalProperties: false },
);

export const IvrRouteTargetSchema = Type.Union([
  Type.Object({ queue: Id, priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })) }, { additionalProperties: false }),
  Type.Object({ agent: Id }, { additionalProperties: false }),
  Type.Object({ voicemail: Id }, { additionalProperties: false }),
  Type.Object({ number: Type.String({ pattern: '^\\+?[0-9*#]{2,20}$' }) }, { additionalProperties: false }),
  // true, or a hangup cause such as NORMAL_CLEARING or USER_BUSY. Both types
  // listed in one `type` so that ajv's coerceTypes leaves `true` a boolean.
  Type.Object({ hangup: Type.Unsafe<string | boolean>({ type: ['string', 'boolean'] }) }, { additionalProperties: false }),
]);

export const IvrRouteStepSchema = Type.Object(
  { type: Type.Literal('route'), description: Description, to: IvrRouteTargetSchema },
  { additionalProperties: false },
);

export type IvrPlayStep = Static<typeof IvrPlayStepSchema>;
export type IvrMenuStep = Static<typeof IvrMenuStepSchema>;
export type IvrCollectStep = Static<typeof IvrCollectStepSchema>;
export type IvrConditionRule = Static<typeof IvrConditionRuleSchema>;
export type IvrConditionStep = Static<typeof IvrConditionStepSchema>;
export type IvrSetStep = Static<typeof IvrSetStepSchema>;
export type IvrRouteTarget = Static<typeof IvrRouteTargetSchema>;
export type IvrRouteStep = Static<typeof IvrRouteStepSchema>;
export type IvrStep = IvrPlayStep | IvrMenuStep | IvrCollectStep | IvrConditionStep | IvrSetStep | IvrRouteStep;

const STEP_SCHEMAS: Record<IvrStepType, TSchema> = {
  play: IvrPlayStepSchema,
  menu: IvrMenuStepSchema,
  collect: IvrCollectStepSchema,
  condition: IvrConditionStepSchema,
  set: IvrSetStepSchema,
  route: IvrRouteStepSchema,
};

/** One step: `type` picks the step schema (if/then, see the top of this file). */
export const IvrStepSchema = Type.Unsafe<IvrStep>({
  type: 'object',
  required: ['type'],
  properties: { type: Type.Union(IVR_STEP_TYPES.map((k) => Type.Literal(k))) },
  allOf: IVR_STEP_TYPES.map((k) => ({
    if: { properties: { type: { const: k } }, required: ['type'] },
    then: STEP_SCHEMAS[k],
  })),
});

export const IvrFlowSchema = Type.Object(
  {
    description: Description,
    /** IANA time zone that condition steps read the clock in. */
    timezone: Type.Optional(Type.String({ minLength: 1, default: IVR_DEFAULTS.timezone })),
    entry: StepName,
    steps: Type.Record(StepName, IvrStepSchema, { minProperties: 1, additionalProperties: false }),
  },
  { additionalProperties: false },
);

export type IvrFlow = Static<typeof IvrFlowSchema>;
