/**
 * The media legs' commands, the bridge's wait, and what the daemon's Event
 * Socket connection asks FreeSWITCH for, against a stand-in Event Socket
 * server (the real stack's tests prove the legs carry calls).
 */
import net from 'node:net';
import { EventEmitter, once } from 'node:events';
import type Srf from 'drachtio-srf';
import pino from 'pino';
import t from 'tap';
import { bridge } from '../../../src/media/call-media.js';
import { EventSocket } from '../../../src/media/event-socket.js';
import { createLeg, Leg, LEG_HEADER, LEG_UUID_HEADER } from '../../../src/media/legs.js';

function fakeDialog() {
  const d = Object.assign(new EventEmitter(), {
    local: { sdp: 'device-offer' },
    remote: { sdp: 'freeswitch-answer' },
    byes: 0,
    destroy: async () => {
      d.byes++;
      d.emit('destroy');
    },
  });
  return d;
}

function fakeEsl() {
  const sent: string[] = [];
  const executed: [string, string, string][] = [];
  let next: Record<string, unknown> = {};
  const esl = {
    api: async (cmd: string) => {
      sent.push(cmd);
      return '+OK';
    },
    execute: async (uuid: string, app: string, arg: string) => {
      executed.push([uuid, app, arg]);
      return next;
    },
  };
  return { esl, sent, executed, answer: (ev: Record<string, unknown>) => (next = ev) };
}

t.test('a leg: its SDPs, commands on its channel, one BYE', async (t) => {
  const dialog = fakeDialog();
  const f = fakeEsl();
  const leg = new Leg('uuid-1', dialog as unknown as Srf.Dialog, f.esl as unknown as EventSocket);
  t.equal(leg.local.sdp, 'freeswitch-answer', "the leg's own SDP is FreeSWITCH's answer");
  t.equal(leg.remote.sdp, 'device-offer');
  await leg.play(['a.wav', 'b.wav']);
  t.same(f.executed.at(-1), ['uuid-1', 'playback', 'a.wav!b.wav'], 'several files joined with the delimiter the dialplan sets');
  f.answer({ 'Application-Response': 'FILE NOT FOUND' });
  await t.rejects(leg.play('missing.wav'), /File Not Found/);
  f.answer({ variable_cc_digits: '42' });
  t.same(await leg.playCollect({ file: 'menu.wav', max: 2, timeout: 5000 }), { digits: '42' });
  t.same(f.executed.at(-1), ['uuid-1', 'play_and_get_digits', '0 2 1 5000 # menu.wav silence_stream://250 cc_digits \\d+ 8000']);
  f.answer({});
  t.same(await leg.playCollect({ file: 'menu.wav' }), {}, 'no digits');
  await leg.set({ a: '1', b: 'two' });
  t.equal(f.sent.at(-1), 'uuid_setvar_multi uuid-1 a=1;b=two');
  await leg.bridge({ uuid: 'uuid-2' } as Leg);
  t.equal(f.sent.at(-1), 'uuid_bridge uuid-1 uuid-2');
  t.ok(leg.connected);
  await leg.destroy();
  await leg.destroy();
  t.equal(dialog.byes, 1, 'hung up once');
  t.notOk(leg.connected);
});

t.test('a far-end hang-up: the leg is no longer connected and sends no BYE', async (t) => {
  const dialog = fakeDialog();
  const leg = new Leg('uuid-3', dialog as unknown as Srf.Dialog, fakeEsl().esl as unknown as EventSocket);
  dialog.emit('destroy');
  t.notOk(leg.connected);
  await leg.destroy();
  t.equal(dialog.byes, 0);
});

t.test("creating a leg: the INVITE is marked for the media-leg extension; an answer that names no channel is hung up and refused", async (t) => {
  const invites: { uri: string; opts: { localSdp: string; headers: Record<string, string> } }[] = [];
  let named: string | undefined = 'chan-9';
  let last = fakeDialog();
  const srf = {
    createUAC: async (uri: string, opts: { localSdp: string; headers: Record<string, string> }) => {
      invites.push({ uri, opts });
      last = Object.assign(fakeDialog(), { res: { get: (h: string) => (h === LEG_UUID_HEADER ? named : undefined) } });
      return last;
    },
  };
  const leg = await createLeg(srf as unknown as Srf, fakeEsl().esl as unknown as EventSocket, '127.0.0.1:15080', 'device-offer');
  t.equal(leg.uuid, 'chan-9', "the channel named in FreeSWITCH's 200 OK");
  t.same(invites[0], { uri: 'sip:leg@127.0.0.1:15080', opts: { localSdp: 'device-offer', headers: { [LEG_HEADER]: 'yes' } } });
  named = undefined;
  await t.rejects(createLeg(srf as unknown as Srf, fakeEsl().esl as unknown as EventSocket, '127.0.0.1:15080', 'device-offer'), /names no channel/);
  t.equal(last.byes, 1, 'the nameless leg is hung up, not left behind');
});

t.test("bridge: waits for FreeSWITCH's bridge event, asks bridge_to only without it, and gives up after two tries", async (t) => {
  const sent: string[] = [];
  const vars: Record<string, string> = {};
  const api = async (cmd: string) => {
    sent.push(cmd);
    const m = /^uuid_getvar (\S+) bridge_to$/.exec(cmd);
    return m ? (vars[m[1]!] ?? '_undef_') : '+OK';
  };
  await bridge(api, 'a', 'b', async () => true);
  t.same(sent, ['uuid_bridge a b'], 'one command, no polling when the event comes (no uuid_break first: the transfer ends what the legs ran)');

  sent.length = 0;
  vars.a = 'b';
  vars.b = 'a';
  await bridge(api, 'a', 'b', async () => false);
  t.same(sent, ['uuid_bridge a b', 'uuid_getvar a bridge_to', 'uuid_getvar b bridge_to'], "no event: FreeSWITCH's word once");

  sent.length = 0;
  delete vars.a;
  await t.rejects(bridge(api, 'a', 'b', async () => false), /did not bridge/);
  t.equal(sent.filter((c) => c.startsWith('uuid_bridge')).length, 2, 'asked twice');
});

/** A stand-in Event Socket server: authenticates each connection, records its commands, answers +OK, and can send events. */
async function eslServer() {
  const conns: { socket: net.Socket; commands: string[] }[] = [];
  const server = net.createServer((socket) => {
    const conn = { socket, commands: [] as string[] };
    conns.push(conn);
    let buf = '';
    socket.write('Content-Type: auth/request\n\n');
    socket.on('data', (d) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const cmd = buf.slice(0, i);
        buf = buf.slice(i + 2);
        conn.commands.push(cmd);
        const job = /^bgapi (.*)\njob-uuid: (\S+)/.exec(cmd);
        socket.write('Content-Type: command/reply\nReply-Text: +OK\n\n');
        if (job) {
          const body = JSON.stringify({ 'Event-Name': 'BACKGROUND_JOB', 'Job-UUID': job[2], _body: `+OK ${job[1]}` });
          socket.write(`Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-json\n\n${body}`);
        }
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const main = () => conns.find((c) => c.commands.includes('event json CHANNEL_EXECUTE_COMPLETE'));
  return {
    port: (server.address() as net.AddressInfo).port,
    conns,
    main,
    event(data: Record<string, string>) {
      const body = JSON.stringify(data);
      main()?.socket.write(`Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-json\n\n${body}`);
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of conns) c.socket.destroy();
        server.close(() => r());
      }),
  };
}

t.test("the daemon's connections: events and applications on one, no CUSTOM events, only what it uses passes FreeSWITCH's filters; API commands spread over the others", async (t) => {
  const srv = await eslServer();
  const esl = new EventSocket({ host: '127.0.0.1', port: srv.port, password: 'secret' }, pino({ level: 'silent' }), 60_000);
  t.teardown(async () => {
    esl.stop();
    await srv.close();
  });
  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
    t.ok(ok(), what);
  };
  // The events may be subscribed after the first filters are sent: wait for both.
  await until('five connections, each filtered', () => srv.conns.length === 5 && srv.conns.every((c) => c.commands.some((x) => x.startsWith('filter '))) && srv.main() !== undefined);
  const main = srv.main()!;
  t.ok(main, 'one takes the applications\' events');
  t.equal(main.commands[0], 'auth secret');
  const events = main.commands.filter((c) => c.startsWith('event json ')).map((c) => c.slice(11));
  t.notOk(events.includes('CUSTOM'), 'not every CUSTOM event');
  for (const e of ['BACKGROUND_JOB', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_BRIDGE']) t.ok(events.includes(e), `subscribes to ${e}`);
  const mainFilters = main.commands.filter((c) => c.startsWith('filter '));
  t.same(mainFilters.slice(0, 3), ['filter Event-Name CHANNEL_HANGUP_COMPLETE', 'filter Event-Name CHANNEL_BRIDGE', 'filter Application-UUID /^[0-9A-HJKMNP-TV-Z]{26}$/']);
  t.notOk(mainFilters.includes('filter Event-Name BACKGROUND_JOB'), "not every connection's job results");
  // Each connection lets through the results of its own jobs only: their Job-UUID starts with its tag.
  const tags = new Map<(typeof srv.conns)[number], string>();
  for (const c of srv.conns) {
    const jobFilters = c.commands.filter((x) => x.startsWith('filter Job-UUID '));
    t.equal(jobFilters.length, 1, 'one job filter per connection');
    const tag = /^filter Job-UUID \/\^(\w+)-\/$/.exec(jobFilters[0] ?? '')?.[1];
    t.ok(tag, `a tag in ${jobFilters[0]}`);
    tags.set(c, tag!);
    if (c !== main) t.same(c.commands.filter((x) => x.startsWith('event ') || x.startsWith('filter ')), ['event json BACKGROUND_JOB', `filter Job-UUID /^${tag}-/`], "a command connection takes its own jobs' results only");
  }
  t.equal(new Set(tags.values()).size, 5, 'five different tags');

  const replies = await Promise.all(['uuid_getvar a x', 'uuid_getvar b x', 'uuid_getvar c x', 'uuid_getvar d x'].map((c) => esl.api(c)));
  t.same(replies, ['+OK uuid_getvar a x', '+OK uuid_getvar b x', '+OK uuid_getvar c x', '+OK uuid_getvar d x'], 'each reply to its command');
  const carriers = srv.conns.filter((c) => c.commands.some((x) => x.startsWith('bgapi uuid_getvar')));
  t.equal(carriers.length, 4, 'four commands at once go over four connections');
  t.notOk(carriers.includes(main), 'none over the events connection');
  for (const c of carriers) {
    const tag = tags.get(c);
    const jobs = c.commands.filter((x) => x.startsWith('bgapi ')).map((x) => /job-uuid: (\S+)/.exec(x)?.[1] ?? '');
    t.ok(jobs.length > 0 && jobs.every((j) => j.startsWith(`${tag}-`) && j.length <= 36), `its jobs are named with its tag (${jobs.join(', ')})`);
  }

  const seen = esl.bridgeStarted('leg-a', 'leg-b', 2_000);
  const other = esl.bridgeStarted('leg-a', 'leg-c', 200);
  srv.event({ 'Event-Name': 'CHANNEL_BRIDGE', 'Bridge-A-Unique-ID': 'leg-b', 'Bridge-B-Unique-ID': 'leg-a' });
  t.equal(await seen, true, 'either way round');
  t.equal(await other, false, 'another pair times out');
});
