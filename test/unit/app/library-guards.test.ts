import t from 'tap';
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import pino from 'pino';
import Srf from 'drachtio-srf';
import { applyLibraryGuards, decodePercentOrRaw } from '../../../src/app/library-guards.js';

const log = pino({ level: 'silent' });
applyLibraryGuards(log);

t.test('percent-decoding keeps what is not valid UTF-8 as it came', async (t) => {
  t.equal(decodePercentOrRaw('Alice%20Smith'), 'Alice Smith');
  t.equal(decodePercentOrRaw('%E0%A4%A'), '%E0%A4%A');
  t.equal(decodePercentOrRaw('%FF%FE'), '%FF%FE');
});

t.test("FreeSWITCH's event parser survives a header that is not valid percent-encoding", async (t) => {
  const require = createRequire(createRequire(import.meta.url).resolve('drachtio-fsmrf'));
  const Parser = require('drachtio-modesl/lib/esl/Parser.js') as new (socket: EventEmitter) => EventEmitter;
  const socket = new EventEmitter();
  const parser = new Parser(socket);
  const events: { headers: { name: string; value: string }[] }[] = [];
  parser.on('esl::event', (ev: { headers: { name: string; value: string }[] }) => events.push(ev));
  // An event as FreeSWITCH sends it for a caller name with stray bytes that are not UTF-8.
  const body = 'Event-Name: CHANNEL_CREATE\nCaller-Caller-ID-Name: %FFbad%E0\nCaller-Caller-ID-Number: 1001\n\n';
  const frame = `Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-plain\n\n${body}`;
  t.doesNotThrow(() => socket.emit('data', Buffer.from(frame)));
  t.equal(events.length, 1, 'the event is delivered');
  const parsed = Object.fromEntries((events[0]?.headers ?? []).map((h) => [h.name, h.value]));
  t.equal(parsed['Caller-Caller-ID-Name'], '%FFbad%E0', 'kept as FreeSWITCH sent it');
  t.equal(parsed['Caller-Caller-ID-Number'], '1001', 'the other headers are parsed as usual');
});

t.test('a BYE on a dialog whose drachtio connection is gone is no unhandled rejection', async (t) => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  t.teardown(() => process.off('unhandledRejection', onUnhandled));

  // drachtio-srf's own destroy() runs; its agent answers as it does once the socket is gone.
  const gone = () => Object.assign(new Error('provided socket has been destroyed'), { code: 'ESOCKETDESTROYED' });
  const dialogWithDeadSocket = () =>
    Object.assign(new EventEmitter(), {
      dialogType: 'INVITE',
      id: 'd1',
      queuedRequests: [],
      srf: { removeDialog: () => undefined },
      agent: { request: (_opts: object, cb: (err: Error) => void) => cb(gone()) },
    });
  const destroy = (Srf as unknown as { Dialog: { prototype: { destroy(this: object): Promise<unknown> } } }).Dialog.prototype.destroy;
  // As drachtio-fsmrf's timeout handler does: the promise is dropped.
  void destroy.call(dialogWithDeadSocket());
  await new Promise((r) => setTimeout(r, 50));
  t.same(unhandled, [], 'nothing reached the process');
  // A caller that awaits still learns it failed.
  await t.rejects(destroy.call(dialogWithDeadSocket()), { code: 'ESOCKETDESTROYED' });
});

t.test("fsmrf's connection to FreeSWITCH does not go on reconnecting by itself (the daemon does)", async (t) => {
  const require = createRequire(createRequire(import.meta.url).resolve('drachtio-fsmrf'));
  const { Connection } = require('drachtio-modesl') as { Connection: new (host: string, port: number, password: string, cb?: () => void) => EventEmitter & { reconnectVars: { retryTimer?: unknown } } };
  // Nothing listens on port 1: the first attempt fails, as while FreeSWITCH is down.
  const conn = new Connection('127.0.0.1', 1, 'ClueCon');
  let errors = 0;
  conn.on('error', () => errors++);
  await new Promise((r) => setTimeout(r, 800));
  t.equal(errors, 1, 'one failed attempt, no retries after it');
  t.notOk(conn.reconnectVars.retryTimer, 'no retry is scheduled');
});
