// @ts-check
// The live transcript of the agent's current call, as the daemon's speech
// engine hears it: each side's finished utterances in order with who said
// them and when, and what each side is saying right now (in italics; each
// partial is replaced by the next one or by that utterance's final). Shown
// once the call has transcript events; a new call starts afresh. When live
// transcription stops (the engine failed) the panel says why.
import { clock, html, useEffect, useRef } from '../lib/ui.js';
import { store } from '../lib/state.js';

/**
 * @typedef {import('../lib/state.js').DeskState} DeskState
 * @typedef {import('../lib/state.js').LiveTranscript} LiveTranscript
 * @typedef {import('../lib/state.js').TranscriptLine} Line
 */

const WHO = { customer: 'Customer', agent: 'You' };
const SPEAKERS = /** @type {const} */ (['customer', 'agent']);

/** The call the agent is on: the softphone's, or (on a desk phone) the one the server says. @param {DeskState} s */
export function currentCallId(s) {
  if (s.call) return s.call.callId;
  const v = s.view;
  return v?.activity === 'on-call' && v.callId && !v.callId.includes(':') ? v.callId : undefined;
}

/** A 'transcript' or 'transcript-stopped' event into the store: only the agent's current call's (or, before it is known, the agent's own). @param {any} e */
export function onTranscript(e) {
  const s = store.state;
  const current = currentCallId(s);
  if (current ? e.callId !== current : !e.agentId || e.agentId !== s.agent?.id) return;
  /** @type {LiveTranscript} */
  const t = s.transcript && s.transcript.callId === e.callId ? s.transcript : { callId: String(e.callId), finals: [], partials: {} };
  const n = next(t, e);
  if (n !== t || t !== s.transcript) store.set({ transcript: n });
}

/** @param {LiveTranscript} t @param {any} e @returns {LiveTranscript} */
function next(t, e) {
  const d = e.data ?? {};
  if (e.type === 'transcript-stopped') return { ...t, stopped: String(d.reason || 'stopped') };
  const speaker = d.speaker === 'agent' ? 'agent' : 'customer';
  /** @type {Line} */
  const line = { speaker, text: String(d.text ?? ''), start: Number(d.start) || 0, end: Number(d.end) || 0, seq: Number(d.seq) || 0 };
  const mine = t.finals.filter((f) => f.speaker === speaker);
  if (!d.final) {
    // A partial older than the speaker's latest final came late: that utterance is done.
    if (mine.some((f) => f.seq >= line.seq)) return t;
    return { ...t, partials: { ...t.partials, [speaker]: line } };
  }
  const partials = { ...t.partials };
  if ((partials[speaker]?.seq ?? -Infinity) <= line.seq) delete partials[speaker];
  if (mine.some((f) => f.seq === line.seq)) return { ...t, partials };
  const finals = [...t.finals, line].sort((a, b) => a.start - b.start || a.seq - b.seq);
  return { ...t, finals, partials };
}

/** @param {Line} l @param {'final' | 'partial'} kind */
const row = (l, kind) =>
  html`<li key=${kind === 'final' ? `${l.speaker}-${l.seq}` : `partial-${l.speaker}`} class=${kind} data-speaker=${l.speaker} data-seq=${String(l.seq)}>
    <time>${clock(l.start * 1000)}</time> <strong>${WHO[l.speaker]}</strong> ${kind === 'partial' ? html`<em>${l.text}</em>` : l.text}
  </li>`;

export function TranscriptPanel() {
  const s = store.use();
  const list = useRef(/** @type {HTMLOListElement | null} */ (null));
  // Follows the conversation unless the agent has scrolled up to read.
  const follow = useRef(true);
  useEffect(() => {
    const el = list.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  });
  const current = currentCallId(s);
  const t = s.transcript;
  if (!current || !t || t.callId !== current) return html`<section id="transcript" class="card" hidden></section>`;
  const onScroll = () => {
    const el = list.current;
    if (el) follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };
  const partials = SPEAKERS.map((sp) => t.partials[sp]).filter((l) => !!l);
  return html`<section id="transcript" class="card" data-call=${current}>
    <h2>Transcript ${t.stopped ? html`<span class="pill" data-state="break">stopped</span>` : html`<span class="pill" data-state="on-call">live</span>`}</h2>
    <ol id="transcript-lines" ref=${list} onScroll=${onScroll} aria-label="Live transcript">
      ${t.finals.map((l) => row(l, 'final'))}
      ${partials.map((l) => row(/** @type {Line} */ (l), 'partial'))}
    </ol>
    ${!t.finals.length && !partials.length ? html`<p class="muted">Listening…</p>` : null}
    ${t.stopped ? html`<p id="transcript-stopped" class="error" role="status">Live transcription stopped: ${t.stopped}</p>` : null}
  </section>`;
}
