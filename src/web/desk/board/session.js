// @ts-check
// Signing in on the supervisors' pages: the same session as the desk (SIP
// credentials in, a session token out), or a wall screen's read-only token
// from the address (?token=...).
import { api, openSession, session } from '../lib/api.js';
import { html } from '../lib/ui.js';
import { store } from '../lib/state.js';
import { SignIn } from '../panels/sign-in.js';

const KEY = 'board.session';

/** A token from the address (a wall screen) or one kept from an earlier sign-in in this tab. */
export function resumeSession() {
  const fromUrl = new URLSearchParams(location.search).get('token');
  const kept = sessionStorage.getItem(KEY);
  if (fromUrl) session.token = fromUrl;
  else if (kept) session.token = kept;
  return { token: session.token, readOnly: !!fromUrl };
}

/** @param {string} username @param {string} password */
export async function signIn(username, password) {
  await openSession(username, password);
  sessionStorage.setItem(KEY, session.token);
  return api('GET', '/api/me');
}

export function forget() {
  sessionStorage.removeItem(KEY);
  session.token = '';
}

/** The desk's sign-in form, for a supervisors' page. @param {{ onSignedIn: () => void }} props */
export function BoardSignIn({ onSignedIn }) {
  return html`<${SignIn}
    onSignIn=${(/** @type {string} */ u, /** @type {string} */ p) =>
      signIn(u, p).then(onSignedIn, (/** @type {Error} */ err) => store.set({ signInError: err.message === '401' ? 'Wrong username or password.' : err.message }))}
  />`;
}
