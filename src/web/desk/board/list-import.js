// @ts-check
// Contact lists and do-not-call lists from the campaign page: a new list, a
// CSV file with its column mapping (the good rows import, the bad ones are
// listed by row number), numbers onto a do-not-call list.
import { html, useState } from '../lib/ui.js';
import { api, upload } from '../lib/api.js';

/** @typedef {import('./campaign-types.js').NamedList} NamedList */
/** @typedef {{ row: number; message: string }} RowProblem */

/** @param {{ lists: NamedList[]; dncLists: NamedList[]; onChanged: () => void }} props */
export function ListImport({ lists, dncLists, onChanged }) {
  const [result, setResult] = useState(/** @type {{ what: string; problems: RowProblem[] } | undefined} */ (undefined));
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  /** @param {() => Promise<{ what: string; problems: RowProblem[] }>} work */
  const run = async (work) => {
    setBusy(true);
    setError('');
    try {
      setResult(await work());
      onChanged();
    } catch (e) {
      setError(/** @type {Error} */ (e).message);
    } finally {
      setBusy(false);
    }
  };
  /** @param {SubmitEvent} e */
  const importCsv = (e) => {
    e.preventDefault();
    const f = new FormData(/** @type {HTMLFormElement} */ (e.target));
    const file = /** @type {File | null} */ (f.get('file'));
    void run(async () => {
      if (!file || !file.size) throw new Error('choose a CSV file');
      let id = String(f.get('list') ?? '');
      if (!id) id = (await api('POST', '/api/lists', { name: String(f.get('newName') ?? '') || file.name })).id;
      const q = new URLSearchParams(Object.entries({ number: f.get('number'), name: f.get('name'), timeZone: f.get('timeZone'), country: f.get('country') }).filter(([, v]) => v).map(([k, v]) => [k, String(v)]));
      const r = await upload(`/api/lists/${encodeURIComponent(id)}/contacts?${q}`, await file.text());
      return { what: `${r.imported ?? 0} contacts imported`, problems: r.problems ?? [] };
    });
  };
  /** @param {SubmitEvent} e */
  const addDnc = (e) => {
    e.preventDefault();
    const f = new FormData(/** @type {HTMLFormElement} */ (e.target));
    void run(async () => {
      let id = String(f.get('dnc') ?? '');
      if (!id) id = (await api('POST', '/api/dnc-lists', { name: String(f.get('dncName') ?? '') || 'Do not call' })).id;
      const numbers = String(f.get('numbers') ?? '').split(/[\s,;]+/).filter(Boolean);
      const r = await api('POST', `/api/dnc-lists/${encodeURIComponent(id)}/numbers${f.get('dncCountry') ? `?country=${encodeURIComponent(String(f.get('dncCountry')))}` : ''}`, { numbers }).catch((/** @type {Error & { problems?: RowProblem[] }} */ x) => {
        if (x.problems) return { added: 0, problems: x.problems };
        throw x;
      });
      return { what: `${r.added ?? 0} numbers added to the do-not-call list`, problems: r.problems ?? [] };
    });
  };
  return html`<section class="card" id="lists">
    <h2>Contact and do-not-call lists</h2>
    <form class="filters" id="list-import" onSubmit=${importCsv}>
      <label>Into<select name="list"><option value="">a new list…</option>${lists.map((l) => html`<option value=${l.id}>${l.name} (${l.contacts ?? 0})</option>`)}</select></label>
      <label>New list's name<input name="newName" placeholder="the file's name" /></label>
      <label>CSV file<input name="file" type="file" accept=".csv,text/csv" /></label>
      <label>Number column<input name="number" value="number" /></label>
      <label>Name column<input name="name" placeholder="none" /></label>
      <label>Time zone column<input name="timeZone" placeholder="from the number" /></label>
      <label>Country of national numbers<input name="country" placeholder="US" size="4" /></label>
      <button type="submit" class="primary" disabled=${busy}>Import</button>
    </form>
    <form class="filters" id="dnc-add" onSubmit=${addDnc}>
      <label>Do-not-call list<select name="dnc"><option value="">a new list…</option>${dncLists.map((l) => html`<option value=${l.id}>${l.name}</option>`)}</select></label>
      <label>New list's name<input name="dncName" placeholder="Do not call" /></label>
      <label>Numbers<textarea name="numbers" rows="2" placeholder="+12125550101, +12125550102"></textarea></label>
      <label>Country<input name="dncCountry" placeholder="US" size="4" /></label>
      <button type="submit" disabled=${busy}>Add</button>
    </form>
    ${busy ? html`<p id="import-progress">Importing…</p>` : null}
    <p class="error" role="alert">${error}</p>
    ${result
      ? html`<div id="import-result"><p>${result.what}${result.problems.length ? `; ${result.problems.length} rows refused:` : '.'}</p>
          ${result.problems.length ? html`<ul class="error" id="import-problems">${result.problems.slice(0, 200).map((p) => html`<li>row ${p.row}: ${p.message}</li>`)}</ul>` : null}</div>`
      : null}
  </section>`;
}
