/** What the media layer tells an IVR session, and what the session asks of it. */

export type IvrInput =
  /** The call reached the flow; `now` is wall-clock ms, used for time conditions. */
  | { type: 'start'; now: number; caller: string; did: string }
  /** The prompts of the last 'play' action finished playing. */
  | { type: 'prompt-done' }
  /** Digits collected for the last 'collect-digits' action ('' when nothing was entered in time). */
  | { type: 'digits'; digits: string }
  /** No input in time for the last 'collect-digits' action. */
  | { type: 'timeout' }
  /** The caller hung up. */
  | { type: 'hangup' };

export type IvrRouteTargetAction =
  | { queue: string; priority?: number }
  | { agent: string }
  | { voicemail: string }
  | { number: string }
  | { hangup: true; cause?: string };

export type IvrAction =
  /** Play the prompts in order, then send 'prompt-done'. */
  | { type: 'play'; prompts: string[] }
  /**
   * Play the prompts (the caller may type over them) and collect between `min`
   * and `max` digits, ending early on `terminator` ('' for none); then send
   * 'digits' (without the terminator) or 'timeout'.
   */
  | {
      type: 'collect-digits';
      prompts: string[];
      min: number;
      max: number;
      terminator: string;
      timeoutMs: number;
      interDigitTimeoutMs: number;
    }
  /** The flow is over: send the call here. Always the last action of a session. */
  | { type: 'route'; target: IvrRouteTargetAction; variables: Record<string, string> }
  /** For the call timeline: what the flow did and why. Never carries collected digits. */
  | { type: 'trace'; step: string; detail: Record<string, unknown> };
