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
  /** Calls ringing now. */
  ringing: number;
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

/** Our pacer: the calls to place now (before the budget and the lines ceiling). */
export function modelPacer(x: PacingInput): number {
  const p = Math.max(0.02, humanRate(x.stats));
  const tAnswer = meanAnswerMs(x.stats);
  const handle = meanHandleMs(x.stats);
  let soon = 0;
  for (const elapsed of x.busySinceMs) {
    // The remaining part of a call, at least a quarter of the mean: finishing within tAnswer, exponentially.
    const remaining = Math.max(handle - elapsed, handle * 0.25);
    soon += 1 - Math.exp(-tAnswer / remaining);
  }
  const agents = x.free + soon;
  return Math.max(0, Math.floor(agents / p + 1e-9) - x.ringing);
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
