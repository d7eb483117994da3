// @ts-check
import { html } from '../lib/ui.js';
import { store } from '../lib/state.js';

/** @param {{ onSignIn: (username: string, password: string) => void }} props */
export function SignIn({ onSignIn }) {
  const s = store.use();
  /** @param {SubmitEvent} e */
  const submit = (e) => {
    e.preventDefault();
    const form = new FormData(/** @type {HTMLFormElement} */ (e.target));
    onSignIn(String(form.get('username')), String(form.get('password')));
  };
  return html`<form id="sign-in" onSubmit=${submit}>
    <h2>Sign in</h2>
    <p>Use the SIP username and password your phone registers with.</p>
    <label>Username <input name="username" autocomplete="username" required /></label>
    <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
    <button type="submit">Sign in</button>
    <p id="sign-in-error" class="error" role="alert">${s.signInError}</p>
  </form>`;
}
