// @ts-check
// A control of the call in progress, through the API: the live state it
// answers (or its refusal) goes to the store.
import { api } from './api.js';
import { store } from './state.js';

/**
 * @param {string} path
 * @param {object} [body]
 */
export async function control(path, body) {
  const callId = store.state.call?.callId;
  if (!callId) return;
  try {
    const r = await api('POST', `/api/calls/${encodeURIComponent(callId)}/${path}`, body ?? {});
    store.set((s) => ({ call: s.call && { ...s.call, ...(r.live ? { live: r.live } : {}), error: undefined } }));
  } catch (err) {
    store.set((s) => ({ call: s.call && { ...s.call, error: /** @type {Error} */ (err).message } }));
  }
}
