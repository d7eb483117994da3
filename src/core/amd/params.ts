/**
 * Tunables of the answering-machine detector.
 *
 * Every threshold is physical: times in ms of audio, levels in dB relative to the
 * adaptive noise floor (or dBFS for absolute guards), tone purity as a ratio. The
 * defaults come from how people and machines talk on a phone line, not from one corpus:
 * a person answers with a short phrase (up to ~1.7 s for "hello, yes, who is it?") and
 * then waits for the caller, and leaves at least ~1 s before saying "hello?" again; a
 * machine talks on, with pauses between words that rarely reach 0.7 s, for 2 s or more;
 * a record tone is a single steady sinusoid of a few hundred ms. So:
 * - silenceAfterHumanMs = 0.9 s sits between the machine's longest inter-word pause and
 *   the person's shortest wait, and still decides a human within 1 s of their answer;
 * - machineSpeechMs = 1.9 s sits between the longest answer and the shortest greeting.
 * - nearTalkerDb = 12 dB: a handset talker's words peak within a few dB of each other,
 *   a voice from across the room (TV, open office) arrives 15-25 dB lower.
 * The remaining levels are a few dB above the background (white noise frames vary by
 * ~1 dB, speech by 15 dB or more) and the beep limits are those of real record tones.
 */
export interface AmdParams {
  /** Give up with verdict 'unknown' if nothing is decided this long after the answer (ms). */
  deadlineMs: number;
  /** Silence after a short answer that makes it a human: the person waits for us to talk (ms). */
  silenceAfterHumanMs: number;
  /**
   * Length of one utterance (first speech to latest speech, pauses shorter than
   * silenceAfterHumanMs bridged) that proves a machine greeting: nobody answers the
   * phone with a speech this long (ms).
   */
  machineSpeechMs: number;
  /** A burst of energy must last this long to count as speech; shorter is a click or pop (ms). */
  minSpeechMs: number;
  /** A frame is speech when its energy is this far above the noise floor (dB). */
  speechOnDb: number;
  /** Once in speech, a frame stays speech while this far above the noise floor (hysteresis, dB). */
  speechOffDb: number;
  /**
   * Speech more than this below the near talker's level is a far voice (a television,
   * an open office) and does not count as the answer (dB; see near.ts).
   */
  nearTalkerDb: number;
  /**
   * Speech must also be louder than this absolute level, so digital silence never looks
   * like speech (dBFS). Low enough for a line 30 dB down (G.711's smallest steps are
   * near -72 dBFS); everything else is relative to the floor.
   */
  minSpeechDbfs: number;
  /** Window over which the noise floor is the minimum of the smoothed energy (ms). */
  noiseWindowMs: number;
  /** Shortest steady tone accepted as a record beep; vowels stay steady for far less (ms). */
  beepMinMs: number;
  /** A steady tone longer than this is not a beep (fax, dial or modem tone) (ms). */
  beepMaxMs: number;
  /** Lowest beep frequency searched (Hz). */
  beepMinHz: number;
  /** Highest beep frequency searched (Hz). */
  beepMaxHz: number;
  /**
   * Energy left after notching out the best single sinusoid, relative to the frame
   * energy (normalised so white noise gives ~1). A frame is tonal below this; 0.1 means
   * the tone is ~10 dB above everything else in the frame.
   */
  toneResidualMax: number;
  /**
   * A beep's frequency (measured to a fraction of a Hz from the phase advance between
   * frames) may wander by this fraction of itself; a vowel's partials drift by more.
   */
  toneFreqTolerance: number;
  /** A beep must be this far above the noise floor (dB). */
  toneMinDb: number;
  /** After a 'machine' verdict keep listening for a beep or greeting end at most this long (ms). */
  beepMaxWaitMs: number;
  /** Silence after the machine greeting, with no beep, that ends the greeting (ms). */
  greetingEndSilenceMs: number;
}

export const defaultAmdParams: AmdParams = Object.freeze({
  deadlineMs: 6000,
  silenceAfterHumanMs: 900,
  machineSpeechMs: 1900,
  minSpeechMs: 40,
  speechOnDb: 8,
  speechOffDb: 4,
  nearTalkerDb: 12,
  minSpeechDbfs: -65,
  noiseWindowMs: 2000,
  beepMinMs: 200,
  beepMaxMs: 3000,
  beepMinHz: 380,
  beepMaxHz: 2100,
  toneResidualMax: 0.1,
  toneFreqTolerance: 0.01,
  toneMinDb: 10,
  beepMaxWaitMs: 20000,
  greetingEndSilenceMs: 2000,
}) as AmdParams;

type Rule = { min: number; max: number };

/** Sane ranges; they reject typos (seconds for ms, dB signs) rather than tune anything. */
const rules: Record<keyof AmdParams, Rule> = {
  deadlineMs: { min: 500, max: 60000 },
  silenceAfterHumanMs: { min: 100, max: 5000 },
  machineSpeechMs: { min: 200, max: 20000 },
  minSpeechMs: { min: 0, max: 1000 },
  speechOnDb: { min: 1, max: 40 },
  speechOffDb: { min: 0, max: 40 },
  nearTalkerDb: { min: 1, max: 60 },
  minSpeechDbfs: { min: -96, max: 0 },
  noiseWindowMs: { min: 200, max: 30000 },
  beepMinMs: { min: 20, max: 5000 },
  beepMaxMs: { min: 20, max: 60000 },
  beepMinHz: { min: 50, max: 3900 },
  beepMaxHz: { min: 50, max: 3900 },
  toneResidualMax: { min: 0.0001, max: 1 },
  toneFreqTolerance: { min: 0.001, max: 0.5 },
  toneMinDb: { min: 0, max: 60 },
  beepMaxWaitMs: { min: 0, max: 600000 },
  greetingEndSilenceMs: { min: 100, max: 60000 },
};

export const amdParamNames = Object.keys(rules) as (keyof AmdParams)[];

/**
 * Check a (partial) parameter object from configuration. Returns a list of problems,
 * each naming the field; empty when valid. Unknown fields are reported too, since a
 * misspelt tunable silently falling back to its default is worse than an error.
 */
export function validateAmdParams(p: unknown): string[] {
  const problems: string[] = [];
  if (p === null || typeof p !== 'object' || Array.isArray(p)) {
    return ['amd params: expected an object'];
  }
  const obj = p as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const rule = (rules as Record<string, Rule | undefined>)[key];
    if (!rule) {
      problems.push(`${key}: unknown parameter`);
      continue;
    }
    const v = obj[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push(`${key}: must be a finite number, got ${JSON.stringify(v)}`);
      continue;
    }
    if (v < rule.min || v > rule.max) {
      problems.push(`${key}: ${v} is outside ${rule.min}..${rule.max}`);
    }
  }
  if (problems.length > 0) return problems;
  const m = { ...defaultAmdParams, ...(obj as Partial<AmdParams>) };
  if (m.speechOffDb > m.speechOnDb) problems.push('speechOffDb: must not exceed speechOnDb');
  if (m.beepMinHz >= m.beepMaxHz) problems.push('beepMinHz: must be below beepMaxHz');
  if (m.beepMinMs >= m.beepMaxMs) problems.push('beepMinMs: must be below beepMaxMs');
  if (m.machineSpeechMs >= m.deadlineMs) problems.push('machineSpeechMs: must be below deadlineMs');
  if (m.silenceAfterHumanMs >= m.deadlineMs) problems.push('silenceAfterHumanMs: must be below deadlineMs');
  return problems;
}
