/**
 * An agent's work on a call they handled: the disposition they pick, the
 * notes they write, the tags they set. Pure: the rules of what may be stored
 * and when an agent's wrap-up may end; the shell (src/app/work.ts) stores it
 * and tells the router (wrap-up-hold).
 *
 * ```
 *   connected --- release (call ended, transferred away) ---> wrap-up
 *       |                                                        |
 *       |  queue's dispositions.required and none given yet:     |
 *       |  wrap-up held (past its timer, against wrap-up-end)    |
 *       +-------- disposition given (during or after) -----------+--> released
 * ```
 * Notes and tags may change while the call lasts and after it; a disposition
 * may be changed too (the last one counts). Each agent's work on a call is
 * their own: an agent who handed the call over keeps theirs.
 */

export type DispositionOutcome = 'done' | 'retry' | 'do-not-call';

export interface DispositionCode {
  code: string;
  label: string;
  outcome: DispositionOutcome;
}

export interface DispositionList {
  required: boolean;
  codes: DispositionCode[];
}

export interface CallWork {
  disposition?: string;
  notes: string;
  tags: string[];
}

/** A change asked for through the API: only the fields given change. */
export interface WorkPatch {
  disposition?: string | null;
  notes?: string;
  tags?: string[];
}

export const LIMITS = { notesChars: 20_000, tags: 20, tagChars: 40 } as const;

export type WorkCheck = { ok: true; work: CallWork } | { ok: false; field: string; message: string };

/** Applies a patch to the stored work; refuses (naming the field) what the list or the limits do not allow. */
export function applyWork(current: CallWork, patch: WorkPatch, list: DispositionList | undefined): WorkCheck {
  const next: CallWork = { ...current, tags: [...current.tags] };
  if (patch.disposition !== undefined) {
    if (patch.disposition === null) {
      if (list?.required) return { ok: false, field: 'disposition', message: 'a disposition is required for this queue and cannot be cleared' };
      delete next.disposition;
    } else {
      if (!list) return { ok: false, field: 'disposition', message: 'this call has no dispositions (its queue lists none)' };
      if (!list.codes.some((c) => c.code === patch.disposition)) {
        return { ok: false, field: 'disposition', message: `"${patch.disposition}" is not in the list (${list.codes.map((c) => c.code).join(', ')})` };
      }
      next.disposition = patch.disposition;
    }
  }
  if (patch.notes !== undefined) {
    if (patch.notes.length > LIMITS.notesChars) return { ok: false, field: 'notes', message: `at most ${LIMITS.notesChars} characters` };
    next.notes = patch.notes;
  }
  if (patch.tags !== undefined) {
    const tags: string[] = [];
    for (const [i, raw] of patch.tags.entries()) {
      const tag = raw.trim().replace(/\s+/g, ' ');
      if (!tag) return { ok: false, field: `tags/${i}`, message: 'a tag cannot be empty' };
      if (tag.length > LIMITS.tagChars) return { ok: false, field: `tags/${i}`, message: `a tag has at most ${LIMITS.tagChars} characters` };
      if (!tags.some((t) => t.toLowerCase() === tag.toLowerCase())) tags.push(tag);
    }
    if (tags.length > LIMITS.tags) return { ok: false, field: 'tags', message: `at most ${LIMITS.tags} tags` };
    next.tags = tags;
  }
  return { ok: true, work: next };
}

/** The agent's wrap-up waits for this call: the queue requires a disposition and none is given. */
export function holdsWrapUp(list: DispositionList | undefined, work: Pick<CallWork, 'disposition'> | undefined): boolean {
  return list?.required === true && work?.disposition === undefined;
}

/** The label and outcome of a code, for the call log and campaigns. */
export function describe(list: DispositionList | undefined, code: string | undefined): DispositionCode | undefined {
  return code === undefined ? undefined : list?.codes.find((c) => c.code === code);
}
