/**
 * How many calls a predictive campaign places ahead of its agents. Two
 * pacers, both pure:
 *
 * - {@link modelPacer} (ours) estimates, from what the campaign has measured,
 *   how many agents will be free by the time a call placed now is answered
 *   (the idle ones, plus each busy agent's chance of finishing within the
 *   expected time to answer, from the remaining part of the mean handle
 *   time), and places calls so that the expected human answers match them.
 * - {@link steppingPacer}, for comparison in the simulation bench: a dial
 *   level (lines per agent) stepped up and down by the day's abandon rate,
 *   the way adaptive dialers of the VICIdial kind do it.
 *
 * Either way the dialer (dialer.ts) never lets the calls without an agent
 * held for them exceed what the day's abandon budget can absorb, so the cap
 * holds whatever the pacer asks for: {@link abandonBudget}.
 */

export interface PacingStats {
  /** Calls that ended ringing (answered or not) in the campaign, and of those answered by a human. */
  completed: number;
  humans: number;
  /** Summed ms from dial to answer, over the answered ones. */
  answerMs: number;
  answered: number;
  /** Summed handle ms (talk + wrap-up) of the connected calls, and their number. */
  handleMs: number;
  handled: number;
}

export const emptyStats = (): PacingStats => ({ completed: 0, humans: 0, answerMs: 0, answered: 0, handleMs: 0, handled: 0 });

export interface PacingInput {
  /** Agents free now for this campaign, and the busy ones with how long they have been on their call (ms). */
  free: number;
  busySinceMs: number[];
  /** Calls ringing now, and how long each has been ringing (ms). */
  ringing: number;
  ringingAgesMs?: number[];
  /** The campaign's abandon cap. */
  cap?: number;
  stats: PacingStats;
}

/** Priors used until the campaign has measured enough: 30% humans, 8 s to answer, 3 min handle. */
const PRIOR = { n: 20, humanRate: 0.3, answerMs: 8_000, handleMs: 180_000 };

export function humanRate(s: PacingStats): number {
  return (s.humans + PRIOR.humanRate * PRIOR.n) / (s.completed + PRIOR.n);
}

export function meanAnswerMs(s: PacingStats): number {
  return (s.answerMs + PRIOR.answerMs * 5) / (s.answered + 5);
}

export function meanHandleMs(s: PacingStats): number {
  return (s.handleMs + PRIOR.handleMs * 5) / (s.handled + 5);
}

/** Of the calls that ended ringing, the share answered at all (a person or a machine). */
export function answerRate(s: PacingStats): number {
  return (s.answered + 0.45 * PRIOR.n) / (s.completed + PRIOR.n);
}

/**
 * The chance that a call ringing for `ageMs` is still to be answered by a
 * person: answers come within twice the mean time to answer (uniformly), so
 * a call that has rung longer than most answers take is most likely one
 * that rings out, and counts for little.
 */
export function stillHuman(s: PacingStats, ageMs: number): number {
  const ph = humanRate(s);
  const pa = Math.min(0.99, Math.max(ph, answerRate(s)));
  const survive = Math.max(0, 1 - ageMs / (2 * meanAnswerMs(s)));
  return (ph * survive) / (1 - pa + pa * survive);
}

/** The distribution of a sum of independent yes/no events, each with its chance. */
function sumOf(chances: number[], start: number[] = [1]): number[] {
  let d = start;
  for (const q of chances) {
    const next = new Array<number>(d.length + 1).fill(0);
    for (let k = 0; k < d.length; k++) {
      next[k]! += d[k]! * (1 - q);
      next[k + 1]! += d[k]! * q;
    }
    d = next;
  }
  return d;
}

/**
 * Our pacer: the calls to place now (before the budget and the lines
 * ceiling). It knows the odds: how many people the calls already ringing
 * will still bring (each by how long it has rung), how many agents will be
 * free by then (the idle ones, and each busy one's chance of finishing within
 * the time to answer, from the remaining part of the mean handle time), and
 * places one more call only while the chance that its person would find no
 * agent stays under `risk` (by default the cap itself): the abandon rate
 * stays near or under the cap by construction instead of being corrected
 * after it has been passed.
 */
export function modelPacer(x: PacingInput, risk = x.cap ?? 0.03): number {
  const p = Math.max(0.02, humanRate(x.stats));
  const tAnswer = meanAnswerMs(x.stats);
  const handle = meanHandleMs(x.stats);
  // Agents free when the next answers come.
  const soon = x.busySinceMs.map((elapsed) => 1 - Math.exp(-tAnswer / Math.max(handle - elapsed, handle * 0.6)));
  const agents = sumOf(soon, [...new Array<number>(x.free).fill(0), 1]);
  // People still to come from the calls ringing.
  let people = sumOf(x.ringingAgesMs ? x.ringingAgesMs.map((age) => stillHuman(x.stats, age)) : new Array<number>(x.ringing).fill(p));
  const limit = Math.max(1, x.free) * 4 + 4 * x.busySinceMs.length;
  let n = 0;
  while (n < limit) {
    // P(people before this call >= agents): its person, if it brings one, would wait.
    let wait = 0;
    for (let h = 0; h < people.length; h++) {
      let noAgent = 0;
      for (let a = 0; a <= Math.min(h, agents.length - 1); a++) noAgent += agents[a]!;
      wait += people[h]! * noAgent;
    }
    if (wait > risk) break;
    n++;
    people = sumOf([p], people);
  }
  return n;
}

/** The stepping pacer's state: a dial level, moved every `stepMs`. */
export interface SteppingState {
  level: number;
  lastStep: number;
}

export function steppingPacer(st: SteppingState, x: PacingInput & { agents: number; abandonRate: number; cap: number; now: number }, stepMs = 15_000, maxLevel = 4): number {
  if (x.now - st.lastStep >= stepMs) {
    st.lastStep = x.now;
    if (x.abandonRate > x.cap * 0.9) st.level = Math.max(1, st.level - 0.5);
    else if (x.abandonRate < x.cap * 0.5) st.level = Math.min(maxLevel, st.level + 0.25);
  }
  return Math.max(0, Math.floor(st.level * x.agents + 1e-9) - x.ringing - (x.agents - x.free));
}

/**
 * Calls without an agent held for them that may ring at once, so that even
 * if every one is answered by a human and abandoned, the day's rate stays
 * within the cap: (abandons + s) / (humans + s) <= cap.
 */
export function abandonBudget(cap: number, humansToday: number, abandonsToday: number): number {
  if (cap <= 0) return 0;
  return Math.max(0, Math.floor((cap * humansToday - abandonsToday) / (1 - cap) + 1e-9));
}
