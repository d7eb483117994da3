// @ts-check
// Creating or editing a campaign: every setting of the API, the contactable
// hours per weekday (ranges like 09:00-12:00, 13:00-17:00 in the contact's
// own time), an optional schedule, transcripts of the calls (post-call ones
// are made from the recordings). The API checks; its problems are shown
// beside the fields they name.
import { html, useState } from '../lib/ui.js';
import { api } from '../lib/api.js';
import { WEEKDAYS } from './campaign-types.js';

/** @typedef {import('./campaign-types.js').Settings} Settings */
/** @typedef {import('./campaign-types.js').NamedList} NamedList */

/** @type {Settings} */
const BLANK = {
  name: '', lists: [], priority: 5, mode: 'progressive', order: 'list', maxAttempts: 3, retryMinutes: 60, ringSeconds: 25,
  hours: Object.fromEntries(WEEKDAYS.slice(0, 5).map((d) => [d, ['09:00-17:00']])), timeZone: 'UTC', amd: { enabled: false },
  onMachine: 'hangup', record: false, lines: 2, abandonCap: 0.03, previewSeconds: 30, maxSkips: 3,
};

/** Drops empty optional fields, so the API's defaults and checks apply. @param {Settings} s */
function body(s) {
  /** @type {Record<string, unknown>} */
  const out = { ...s };
  for (const k of ['description', 'dncList', 'queue', 'flow', 'callerId', 'trunk', 'machineMessage', 'safeHarborMessage', 'transcription']) if (!out[k]) delete out[k];
  if (s.mode === 'agentless') delete out.queue;
  else delete out.flow;
  if (!s.schedule?.start) delete out.schedule;
  return out;
}

/**
 * @param {{ editing?: { id: string; settings: Settings }; lists: NamedList[]; dncLists: NamedList[]; queues: string[]; onSaved: (id: string) => void; onCancel: () => void }} props
 */
export function CampaignForm({ editing, lists, dncLists, queues, onSaved, onCancel }) {
  const [s, setS] = useState(/** @type {Settings} */ (editing ? structuredClone(editing.settings) : structuredClone(BLANK)));
  const [problems, setProblems] = useState(/** @type {string[]} */ ([]));
  const [saving, setSaving] = useState(false);
  /** @param {Partial<Settings>} patch */
  const set = (patch) => setS({ ...s, ...patch });
  /** The API's problems about one field ("field: message"). @param {string} f */
  const about = (f) => problems.filter((p) => p.split(':')[0] === f || p.startsWith(`${f}.`));
  /** @param {string} f */
  const err = (f) => about(f).map((p) => html`<small class="error" data-problem=${f}>${p.slice(p.indexOf(':') + 1).trim()}</small>`);
  const num = (/** @type {keyof Settings} */ f, /** @type {string} */ label, min = 0, max = 100000, step = 1) =>
    html`<label>${label}<input name=${f} type="number" min=${min} max=${max} step=${step} value=${/** @type {any} */ (s)[f]} onInput=${(/** @type {any} */ e) => set(/** @type {any} */ ({ [f]: Number(e.target.value) }))} />${err(f)}</label>`;
  const text = (/** @type {keyof Settings} */ f, /** @type {string} */ label, placeholder = '') =>
    html`<label>${label}<input name=${f} value=${/** @type {any} */ (s)[f] ?? ''} placeholder=${placeholder} onInput=${(/** @type {any} */ e) => set(/** @type {any} */ ({ [f]: e.target.value }))} />${err(f)}</label>`;
  /** @param {SubmitEvent} e */
  const save = async (e) => {
    e.preventDefault();
    setSaving(true);
    try {
      const r = editing ? await api('PUT', `/api/campaigns/${encodeURIComponent(editing.id)}`, body(s)) : await api('POST', '/api/campaigns', body(s));
      setProblems([]);
      onSaved(r.id);
    } catch (error) {
      const x = /** @type {Error & { problems?: string[] }} */ (error);
      setProblems(x.problems ?? [x.message]);
    } finally {
      setSaving(false);
    }
  };
  const schedule = s.schedule ?? { start: '', timeZone: s.timeZone };
  /** @param {Partial<import('./campaign-types.js').Schedule>} patch */
  const setSchedule = (patch) => set({ schedule: { ...schedule, ...patch } });
  return html`<form class="card campaign-form" id="campaign-form" onSubmit=${save}>
    <h2>${editing ? `Edit ${editing.settings.name}` : 'New campaign'}</h2>
    ${problems.length ? html`<ul class="error" id="form-problems" role="alert">${problems.map((p) => html`<li>${p}</li>`)}</ul>` : null}
    <fieldset><legend>What</legend>
      ${text('name', 'Name')} ${text('description', 'Description')}
      <label>Dialing mode<select name="mode" value=${s.mode} onChange=${(/** @type {any} */ e) => set({ mode: e.target.value })}>
        <option value="progressive">progressive: a call per idle agent</option><option value="preview">preview: the agent sees the contact first</option>
        <option value="predictive">predictive: dials ahead of the agents</option><option value="agentless">agentless: into an IVR flow</option>
      </select>${err('mode')}</label>
      ${s.mode === 'agentless'
        ? text('flow', 'IVR flow')
        : html`<label>Queue<select name="queue" value=${s.queue ?? ''} onChange=${(/** @type {any} */ e) => set({ queue: e.target.value })}><option value="">choose…</option>${queues.map((q) => html`<option>${q}</option>`)}</select>${err('queue')}</label>`}
      <label>Priority<select name="priority" value=${String(s.priority)} onChange=${(/** @type {any} */ e) => set({ priority: Number(e.target.value) })}>${[5, 4, 3, 2, 1].map((p) => html`<option value=${String(p)}>${p}${p === 5 ? ' (highest)' : ''}</option>`)}</select>${err('priority')}</label>
    </fieldset>
    <fieldset><legend>Whom</legend>
      <div class="checks" id="form-lists">${lists.map((l) => html`<label class="check"><input type="checkbox" value=${l.id} checked=${s.lists.includes(l.id)} onChange=${(/** @type {any} */ e) => set({ lists: e.target.checked ? [...s.lists, l.id] : s.lists.filter((x) => x !== l.id) })} /> ${l.name} <small>(${l.contacts ?? 0})</small></label>`)}</div>${err('lists')}
      <label>Do-not-call list<select name="dncList" value=${s.dncList ?? ''} onChange=${(/** @type {any} */ e) => set({ dncList: e.target.value || undefined })}><option value="">none</option>${dncLists.map((l) => html`<option value=${l.id}>${l.name}</option>`)}</select>${err('dncList')}</label>
      <label>Order<select name="order" value=${s.order} onChange=${(/** @type {any} */ e) => set({ order: e.target.value })}><option value="list">as listed</option><option value="random">random</option></select></label>
      ${num('maxAttempts', 'Attempts per contact', 1, 20)} ${num('retryMinutes', 'Retry after (minutes)', 0, 10080)} ${num('ringSeconds', 'Ring for (seconds)', 5, 120)}
      ${text('callerId', 'Caller ID', '+15550100')} ${text('trunk', 'Trunk', 'the first one')}
    </fieldset>
    <fieldset><legend>When (the contact's own time)</legend>
      ${text('timeZone', 'Time zone of numbers without one', 'America/New_York')}
      <div class="hours" id="form-hours">${WEEKDAYS.map((d) => html`<label>${d}<input name=${`hours-${d}`} value=${(s.hours[d] ?? []).join(', ')} placeholder="closed" onInput=${(/** @type {any} */ e) => set({ hours: { ...s.hours, [d]: String(e.target.value).split(',').map((x) => x.trim()).filter(Boolean) } })} /></label>`)}</div>${err('hours')}
      <label>Schedule start<input name="schedule-start" type="datetime-local" value=${schedule.start} onInput=${(/** @type {any} */ e) => setSchedule({ start: e.target.value })} /></label>
      <label>End<input name="schedule-end" type="datetime-local" value=${schedule.end ?? ''} onInput=${(/** @type {any} */ e) => setSchedule({ end: e.target.value || undefined })} /></label>
      <label>Schedule time zone<input name="schedule-zone" value=${schedule.timeZone} onInput=${(/** @type {any} */ e) => setSchedule({ timeZone: e.target.value })} /></label>
      <label>Repeat<select name="schedule-unit" value=${schedule.recurrence?.unit ?? ''} onChange=${(/** @type {any} */ e) => setSchedule({ recurrence: e.target.value ? { every: schedule.recurrence?.every ?? 1, unit: e.target.value } : undefined })}><option value="">never</option><option>daily</option><option>weekly</option><option>monthly</option><option>yearly</option></select></label>
      ${err('schedule')}
    </fieldset>
    <fieldset><legend>How</legend>
      <label class="check"><input type="checkbox" name="amd" checked=${s.amd.enabled} onChange=${(/** @type {any} */ e) => set({ amd: { ...s.amd, enabled: e.target.checked } })} /> Answering-machine detection</label>
      <label>On a machine<select name="onMachine" value=${s.onMachine} onChange=${(/** @type {any} */ e) => set({ onMachine: e.target.value })}><option value="hangup">hang up, try again later</option><option value="message">leave a message</option></select></label>
      ${s.onMachine === 'message' ? text('machineMessage', 'Message file') : null}
      <label class="check"><input type="checkbox" name="record" checked=${s.record} onChange=${(/** @type {any} */ e) => set({ record: e.target.checked })} /> Record the calls</label>
      <label>Transcription<select name="transcription" id="form-transcription" value=${s.transcription ?? ''} onChange=${(/** @type {any} */ e) => set({ transcription: e.target.value || undefined })}>
        <option value="">as the queue</option><option value="off">off</option><option value="post-call">post-call: from the recordings</option><option value="live">live: as the call goes</option>
      </select>${s.transcription === 'post-call' && !s.record ? html`<small class="hint" id="transcription-hint">needs the calls recorded</small>` : null}${err('transcription')}</label>
      ${s.mode === 'predictive' || s.mode === 'agentless' ? num('lines', s.mode === 'agentless' ? 'Simultaneous calls' : 'Lines per agent at most', 1, 500) : null}
      ${s.mode === 'predictive' ? html`<label>Abandon cap (%)<input name="abandonCap" type="number" min="0" max="50" step="0.1" value=${(100 * s.abandonCap).toFixed(1)} onInput=${(/** @type {any} */ e) => set({ abandonCap: Number(e.target.value) / 100 })} />${err('abandonCap')}</label>${text('safeHarborMessage', 'Safe-harbor message file')}` : null}
      ${s.mode === 'preview' ? html`${num('previewSeconds', 'Dial by itself after (seconds)', 5, 600)} ${num('maxSkips', 'Skips per agent', 0, 1000)}` : null}
    </fieldset>
    <div class="controls"><button type="submit" class="primary" id="form-save" disabled=${saving}>${editing ? 'Save' : 'Create'}</button><button type="button" onClick=${onCancel}>Cancel</button></div>
  </form>`;
}
