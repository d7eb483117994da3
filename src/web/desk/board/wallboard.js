// @ts-check
// The supervisors' wallboard: a WebSocket of snapshots from the daemon (one
// at once, then one after each change), so nothing polls; the clocks tick
// here from the times the snapshot gives. Signed in as a supervisor, or
// read-only with a wall screen's token in the address.
import { html, render, useEffect, useState } from '../lib/ui.js';
import { session } from '../lib/api.js';
import { BoardSignIn, forget, resumeSession } from './session.js';
import { QueueTiles } from './queues.js';
import { AgentTable } from './agents.js';

/** @typedef {{ at: string; timeZone: string; serviceLevelSec: number; queues: import('./queues.js').QueueTile[]; agents: import('./agents.js').AgentRow[] }} Board */

function Wallboard() {
  const [board, setBoard] = useState(/** @type {Board | undefined} */ (undefined));
  const [error, setError] = useState('');
  const [signedIn, setSignedIn] = useState(!!resumeSession().token);
  const [now, setNow] = useState(Date.now());
  const readOnly = resumeSession().readOnly;
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => {
    if (!signedIn) return;
    let closed = false;
    /** @type {WebSocket | undefined} */
    let ws;
    const connect = () => {
      if (closed) return;
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      ws = new WebSocket(`${scheme}://${location.host}/api/wallboard/stream?token=${encodeURIComponent(session.token)}`);
      ws.onmessage = (m) => {
        setBoard(JSON.parse(String(m.data)));
        setError('');
      };
      ws.onclose = (e) => {
        if (e.code === 4403 || e.code === 1008) {
          setError('This sign-in may not see the wallboard (supervisors of a queue, administrators, a wall screen token).');
          return;
        }
        setError('Connection lost; reconnecting…');
        setTimeout(connect, 2000);
      };
    };
    connect();
    return () => {
      closed = true;
      ws?.close();
    };
  }, [signedIn]);
  if (!signedIn) return html`<${BoardSignIn} onSignedIn=${() => setSignedIn(true)} />`;
  return html`<div class=${readOnly ? 'board readonly' : 'board'}>
    <header>
      <h1>Wallboard</h1>
      <span id="board-at">${board ? `updated ${new Date(board.at).toLocaleTimeString()}` : 'connecting…'}</span>
      <a href="reports.html" style="color:#fff">Reports</a>
      <a href="campaigns.html" style="color:#fff">Campaigns</a>
      <button onClick=${() => (forget(), location.reload())}>Sign out</button>
    </header>
    <main>
      <p id="board-error" class="error" role="alert">${error}</p>
      ${board ? html`<${QueueTiles} queues=${board.queues} now=${now} serviceLevelSec=${board.serviceLevelSec} /><${AgentTable} agents=${board.agents} now=${now} />` : null}
    </main>
  </div>`;
}

render(html`<${Wallboard} />`, /** @type {HTMLElement} */ (document.getElementById('app')));
