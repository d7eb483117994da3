/**
 * The live tap's shell against a stand-in FreeSWITCH that writes the
 * two-channel file as a call would, and a stand-in streaming engine: the
 * left channel reaches the customer's stream and the right the agent's, each
 * final goes to the desk as it comes, stop ends the recording and leaves no
 * file, and a tap FreeSWITCH refuses is reported to the desk.
 */
import { existsSync, mkdtempSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import t from 'tap';
import { LiveTranscriber } from '../../../src/app/transcription/live.js';
import type { LiveEvent } from '../../../src/app/calls/state.js';
import { emptyTranscript, type SttEngine, type StreamOptions, type Transcript } from '../../../src/stt/engine.js';

const log = pino({ level: 'silent' });

/** Hears a channel's level: "hello customer" for 1000, "hello agent" for 3000, once per 0.5 s of sound. */
function levelEngine(): SttEngine {
  return {
    name: 'level',
    transcribe: async () => emptyTranscript(),
    stream(o: StreamOptions) {
      let loud = 0;
      let at = 0;
      const finals: Transcript[] = [];
      return {
        write(x: Int16Array) {
          for (const v of x) {
            at++;
            if (v === 0) continue;
            if (++loud === 4000) {
              const text = Math.abs(v) < 2000 ? 'hello customer' : 'hello agent';
              const tr = { text, words: [], segments: [{ start: (at - 4000) / 8000, end: at / 8000, text }] };
              finals.push(tr);
              o.onFinal?.(tr);
              loud = 0;
            }
          }
        },
        end: async () => ({ text: finals.map((f) => f.text).join(' '), words: [], segments: finals.flatMap((f) => f.segments) }),
      };
    },
  };
}

/** Interleaved 16-bit frames: `left` on the left channel, `right` on the right, n frames. */
function frames(n: number, left: number, right: number): Buffer {
  const b = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    b.writeInt16LE(left, i * 4);
    b.writeInt16LE(right, i * 4 + 2);
  }
  return b;
}

t.test('each channel to its own stream, finals to the desk as they come, nothing left behind', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'live-'));
  const commands: string[] = [];
  const events: LiveEvent[] = [];
  const tap = new LiveTranscriber({
    callId: 'c1', agentId: 'alice', customerUuid: 'u-1', dir, engine: levelEngine(), language: 'en', log, now: Date.now,
    api: async (c) => {
      commands.push(c);
      return '+OK Success\n';
    },
    emit: (e) => events.push(e),
  });
  await tap.start();
  t.match(commands[0], /^uuid_record u-1 start .*live-c1\.raw 0 \{RECORD_STEREO=true,record_sample_rate=8000,enable_file_write_buffering=false,RECORD_PRE_BUFFER_FRAMES=1\}$/, 'two channels, 8 kHz, unbuffered');
  // FreeSWITCH writes: the customer speaks (left), then the agent (right), in 20 ms frames, with an odd byte split.
  const file = path.join(dir, 'live-c1.raw');
  const speech = Buffer.concat([frames(4000, 1000, 0), frames(4000, 0, 3000)]);
  for (let i = 0; i < speech.length; i += 641) {
    appendFileSync(file, speech.subarray(i, i + 641));
    if (i % (641 * 20) === 0) await new Promise((r) => setTimeout(r, 20));
  }
  const deadline = Date.now() + 5000;
  while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const finals = events.filter((e) => e.kind === 'call' && e.type === 'transcript').map((e) => (e as { data?: Record<string, unknown> }).data);
  t.match(finals, [{ speaker: 'customer', final: true, text: 'hello customer', seq: 1 }, { speaker: 'agent', final: true, text: 'hello agent', seq: 2 }], 'the customer\'s words from the left channel, the agent\'s from the right, during the call');
  t.match(events[0], { kind: 'call', callId: 'c1', agentId: 'alice' }, 'to the agent\'s desk');
  const turns = await tap.stop();
  t.same(turns.map((x) => [x.speaker, x.text]), [['customer', 'hello customer'], ['agent', 'hello agent']]);
  t.match(commands.at(-1), /^uuid_record u-1 stop .*live-c1\.raw$/, 'the tap\'s recording stopped');
  t.notOk(existsSync(file), 'its file removed');
  t.equal(tap.audioSeconds(), 1, 'one second of audio read');
});

t.test('a tap FreeSWITCH refuses is told to the desk', async (t) => {
  const events: LiveEvent[] = [];
  const tap = new LiveTranscriber({
    callId: 'c2', agentId: 'bob', customerUuid: 'u-2', dir: mkdtempSync(path.join(tmpdir(), 'live-')), engine: levelEngine(), language: 'en', log, now: Date.now,
    api: async () => '-ERR no such channel\n',
    emit: (e) => events.push(e),
  });
  await tap.start();
  t.match(events, [{ type: 'transcript-stopped', agentId: 'bob', data: { reason: /would not tap the call: -ERR no such channel/ } }]);
  t.same(await tap.stop(), []);
});
