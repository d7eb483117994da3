/**
 * The real stack for tests and benchmarks: FreeSWITCH with the project's own
 * freeswitch-conf/, dialplans/ and sounds/, drachtio-server with the flags
 * `pbx drachtio-conf` derives from the config, and the daemon, all on
 * loopback in a temporary run directory; SIPp drives them.
 *
 * Binaries are found through FREESWITCH_BIN, DRACHTIO_BIN and SIPP_BIN, else
 * on PATH as `freeswitch`, `drachtio` and `sipp`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigDir } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { findProgram } from '../support/programs.js';
import { drachtioConf } from '../../src/sip/drachtio-conf.js';
import { makeLogger, startDaemon, type Daemon } from '../../src/app/daemon.js';
import { writeToneWav } from '../support/audio.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SIPP_DIR = path.join(REPO, 'test/sipp');

export interface Binaries {
  freeswitch: string;
  drachtio: string;
  sipp: string;
}

/** The binaries, or one line naming what is missing. */
export function findStack(): { ok: true; bins: Binaries } | { ok: false; missing: string } {
  const find = (env: string, name: string) => findProgram(env, [name]);
  const bins = { freeswitch: find('FREESWITCH_BIN', 'freeswitch'), drachtio: find('DRACHTIO_BIN', 'drachtio'), sipp: find('SIPP_BIN', 'sipp') };
  const missing = [
    !bins.freeswitch && 'FreeSWITCH (set FREESWITCH_BIN or put freeswitch on PATH)',
    !bins.drachtio && 'drachtio-server (set DRACHTIO_BIN or put drachtio on PATH)',
    !bins.sipp && 'SIPp (apt-get install sip-tester, or set SIPP_BIN)',
  ].filter(Boolean);
  if (missing.length) return { ok: false, missing: `real-stack test skipped: ${missing.join('; ')} not found` };
  return { ok: true, bins: bins as Binaries };
}

export const PORTS = { drachtioSip: 15060, drachtioWs: 15088, drachtioWss: 15089, drachtioAdmin: 19022, drachtioMetrics: 19090, eslPort: 18021, fsSip: 15080, rtpStart: 30000, rtpEnd: 33999 };

export interface AgentSpec {
  id: string;
  user: string;
  password: string;
}

export interface StackOptions {
  agents?: number;
  queueYaml?: string;
  numbersYaml?: string;
  logLevel?: string;
  /** The API's port (0: any free one). */
  httpPort?: number;
  /** sip.security as inline YAML (e.g. `{ allow: [127.0.0.0/8] }` for load generators). */
  sipSecurity?: string;
  /** Certificate and key for a WSS transport (softphones); without them only WS is offered. */
  tls?: { certFile: string; keyFile: string };
  /** More settings of an agent, by id, as YAML lines (e.g. `mayCallExternal: true`). */
  agentExtra?: Record<string, string>;
  /** More configuration files by name (e.g. `drops.yaml`), written beside the others. */
  files?: Record<string, string>;
}

export interface Stack {
  dir: string;
  /** FreeSWITCH's and drachtio-server's processes. */
  servers: { fs: ServerProcess; drachtio: ServerProcess };
  configDir: string;
  daemon: Daemon;
  agents: AgentSpec[];
  bins: Binaries;
  http(pathname: string): Promise<unknown>;
  /** Stops the daemon and starts a new one on the same configuration and database. */
  restartDaemon(): Promise<void>;
  stop(): Promise<void>;
}

export function testAgents(n: number): AgentSpec[] {
  return Array.from({ length: n }, (_, i) => ({ id: `agent${i + 1}`, user: String(1001 + i), password: `pw-${1001 + i}-secret` }));
}

export function writeConfig(dir: string, agents: AgentSpec[], opts: StackOptions): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'daemon.yaml'),
    `daemon:
  http: { host: 127.0.0.1, port: ${opts.httpPort ?? 0} }
  dataDir: ${path.join(dir, '..', 'data')}
  logLevel: ${opts.logLevel ?? 'info'}
freeswitch:
  eventSocket: { host: 127.0.0.1, port: ${PORTS.eslPort}, password: ClueCon }
  listenAddress: 127.0.0.1
drachtio: { host: 127.0.0.1, port: ${PORTS.drachtioAdmin}, secret: cymru }
sip:
  domain: test.local
${opts.sipSecurity ? `  security: ${opts.sipSecurity}\n` : ''}  transports:
    - { protocol: udp, address: 127.0.0.1, port: ${PORTS.drachtioSip} }
    - { protocol: tcp, address: 127.0.0.1, port: ${PORTS.drachtioSip} }
    - { protocol: ws, address: 127.0.0.1, port: ${PORTS.drachtioWs} }
${opts.tls ? `    - { protocol: wss, address: 127.0.0.1, port: ${PORTS.drachtioWss}, certFile: ${opts.tls.certFile}, keyFile: ${opts.tls.keyFile} }\n` : ''}`,
  );
  writeFileSync(
    path.join(dir, 'agents.yaml'),
    `agents:\n${agents.map((a) => `  ${a.id}:\n    name: Agent ${a.user}\n    extension: "${a.user}"\n    sip: { username: "${a.user}", password: "${a.password}" }\n${opts.agentExtra?.[a.id] ? `    ${opts.agentExtra[a.id]}\n` : ''}`).join('')}`,
  );
  writeFileSync(
    path.join(dir, 'queues.yaml'),
    opts.queueYaml ??
      `queues:\n  support:\n    members: [${agents.map((a) => a.id).join(', ')}]\n    offerTimeoutSec: 10\n    wrapUpSec: 0\n    missedBackoffSec: 2\n`,
  );
  writeFileSync(path.join(dir, 'numbers.yaml'), opts.numbersYaml ?? `numbers:\n  "+15550100":\n    route: { queue: support }\n`);
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(path.join(dir, name), text);
}

function waitPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.end();
        resolve();
      });
      s.on('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function stopProcess(p: ChildProcess | undefined, graceMs = 3_000): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

/** A server process of the stack, which a fault test may kill and start again. */
export interface ServerProcess {
  proc: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same arguments; resolves once it listens. */
  start(): Promise<void>;
}

function serverProcess(spawnIt: () => ChildProcess, port: number, timeoutMs: number): ServerProcess {
  const server: ServerProcess = {
    proc: spawnIt(),
    kill: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        if (server.proc.exitCode !== null || server.proc.signalCode !== null) return resolve();
        server.proc.once('exit', () => resolve());
        server.proc.kill(signal);
      }),
    async start() {
      server.proc = spawnIt();
      await waitPort(port, timeoutMs);
    },
  };
  return server;
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/**
 * FreeSWITCH's own flags, as docker-compose.yml passes them; FREESWITCH_ARGS
 * (space-separated) replaces them, to compare settings in a benchmark.
 */
const FREESWITCH_ARGS = process.env.FREESWITCH_ARGS?.trim() ? process.env.FREESWITCH_ARGS.trim().split(/\s+/) : ['-nonat', '-nc', '-nf'];

/** Starts FreeSWITCH and drachtio-server (not the daemon) in a fresh run directory. */
export async function startServers(bins: Binaries, dir: string, drachtioXml: string): Promise<{ stop(): Promise<void>; fs: ServerProcess; drachtio: ServerProcess }> {
  for (const port of [PORTS.eslPort, PORTS.drachtioAdmin]) {
    if (await listening(port)) throw new Error(`127.0.0.1:${port} is already in use (a FreeSWITCH or drachtio-server left from an earlier run?)`);
  }
  const run = (sub: string) => {
    const p = path.join(dir, 'fs', sub);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const fsLog = openSync(path.join(dir, 'freeswitch.out'), 'a');
  const fs = serverProcess(
    () =>
      spawn(
        bins.freeswitch,
        [...FREESWITCH_ARGS, '-conf', path.join(REPO, 'freeswitch-conf'), '-sounds', path.join(REPO, 'sounds'), '-log', run('log'), '-db', run('db'), '-run', run('run'), '-temp', run('tmp'), '-storage', run('storage'), '-recordings', run('recordings'), '-cache', run('cache'), '-certs', run('certs')],
        {
          stdio: ['ignore', fsLog, fsLog],
          env: {
            ...process.env,
            FREESWITCH_ESL_PORT: String(PORTS.eslPort),
            FREESWITCH_SIP_PORT: String(PORTS.fsSip),
            FREESWITCH_RTP_START: String(PORTS.rtpStart),
            FREESWITCH_RTP_END: String(PORTS.rtpEnd),
          },
        },
      ),
    PORTS.eslPort,
    30_000,
  );
  const dLog = openSync(path.join(dir, 'drachtio.out'), 'a');
  const drachtioFile = path.join(dir, 'drachtio.conf.xml');
  writeFileSync(drachtioFile, drachtioXml, { mode: 0o600 });
  const drachtio = serverProcess(() => spawn(bins.drachtio, ['-f', drachtioFile, '--prometheus-scrape-port', `127.0.0.1:${PORTS.drachtioMetrics}`], { stdio: ['ignore', dLog, dLog] }), PORTS.drachtioAdmin, 15_000);
  const stop = async () => {
    await Promise.all([stopProcess(drachtio.proc), stopProcess(fs.proc, 8_000)]);
  };
  try {
    await Promise.all([waitPort(PORTS.eslPort, 30_000), waitPort(PORTS.drachtioAdmin, 15_000)]);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; see ${dir}/freeswitch.out and drachtio.out`);
  }
  return { stop, fs, drachtio };
}

/** A run directory with the test configuration, FreeSWITCH and drachtio-server started; `finish` checks the logs for secrets and removes it. */
async function prepareRun(bins: Binaries, opts: StackOptions) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cc-stack-'));
  const configDir = path.join(dir, 'config');
  const agents = testAgents(opts.agents ?? 1);
  writeConfig(configDir, agents, opts);
  const loaded = await loadConfigDir(configDir);
  if (!loaded.ok) throw new Error(`test config invalid: ${JSON.stringify(loaded.errors)}`);
  const servers = await startServers(bins, dir, drachtioConf(loaded.config, process.env.DRACHTIO_LOGLEVEL ? { logLevel: process.env.DRACHTIO_LOGLEVEL } : {}));
  const finish = () => {
    // No configured secret in any log line of any component, at any level.
    const leaks = secretsInLogs(dir, configuredSecrets(loaded.config));
    if (!process.env.KEEP_STACK_DIR) rmSync(dir, { recursive: true, force: true });
    if (leaks.length) throw new Error(`secrets in the logs:\n${leaks.join('\n')}`);
  };
  return { dir, configDir, agents, loaded, servers, finish };
}

export async function startStack(bins: Binaries, opts: StackOptions = {}): Promise<Stack> {
  const { dir, configDir, agents, loaded, servers, finish } = await prepareRun(bins, opts);
  let daemon: Daemon;
  try {
    daemon = await startDaemon(configDir, loaded.config, makeLogger(opts.logLevel ?? 'info', path.join(dir, 'daemon.log')));
  } catch (err) {
    await servers.stop();
    throw err;
  }
  let current = daemon;
  const http = async (pathname: string) => {
    const res = await fetch(`${current.httpAddress}${pathname}`);
    return res.json() as Promise<unknown>;
  };
  try {
    await waitFor(
      'the daemon to report every dependency up',
      async () => {
        const h = (await http('/healthz')) as { status: string };
        return h.status === 'ok' ? h : undefined;
      },
      30_000,
      200,
    );
  } catch (err) {
    await daemon.stop();
    await servers.stop();
    throw new Error(`${(err as Error).message}; logs in ${dir}`);
  }
  const stack: Stack = {
    dir,
    servers,
    configDir,
    daemon,
    agents,
    bins,
    http,
    async restartDaemon() {
      await stack.daemon.stop();
      stack.daemon = current = await startDaemon(configDir, loaded.config, makeLogger(opts.logLevel ?? 'info', path.join(dir, 'daemon.log')));
      await waitFor('the restarted daemon to report every dependency up', async () => ((await stack.http('/healthz')) as { status: string }).status === 'ok' || undefined, 30_000, 200);
    },
    async stop() {
      // The servers are stopped whatever the daemon does, so no run leaves them holding the test ports.
      try {
        await stack.daemon.stop();
      } finally {
        await servers.stop();
      }
      finish();
    },
  };
  return stack;
}

/** Every password, token and shared secret the configuration holds. */
export function configuredSecrets(config: Config): string[] {
  return [
    ...Object.values(config.agents).map((a) => a.sip.password),
    ...Object.values(config.trunks).flatMap((t) => (t.password ? [t.password] : [])),
    ...(config.daemon.http.token ? [config.daemon.http.token] : []),
    config.drachtio.secret,
    config.freeswitch.eventSocket.password,
  ];
}

/** `file:line` of each log line under `dir` that contains one of the secrets (whose text is not repeated). */
export function secretsInLogs(dir: string, secrets: string[]): string[] {
  const logs = ['daemon.log', 'drachtio.out', 'freeswitch.out', 'fs/log/freeswitch.log'].map((f) => path.join(dir, f)).filter((f) => existsSync(f));
  const found: string[] = [];
  for (const file of logs) {
    readFileSync(file, 'latin1')
      .split('\n')
      .forEach((line, i) => {
        const which = secrets.findIndex((secret) => line.includes(secret));
        if (which >= 0) found.push(`${path.relative(dir, file)}:${i + 1} (secret #${which + 1})`);
      });
  }
  return found;
}

/** The stack with the daemon as a process of its own (`pbx run`), which a test may kill -9 and start again. */
export interface ProcessStack {
  dir: string;
  configDir: string;
  agents: AgentSpec[];
  bins: Binaries;
  servers: { fs: ServerProcess; drachtio: ServerProcess };
  daemon: ServerProcess;
  http(pathname: string): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startProcessStack(bins: Binaries, opts: StackOptions & { httpPort: number }): Promise<ProcessStack> {
  const { dir, configDir, agents, servers, finish } = await prepareRun(bins, opts);
  const log = openSync(path.join(dir, 'daemon.log'), 'a');
  // PBX_DAEMON=dist runs the compiled daemon (npm run build) as the image does, without tsx's loader in its memory.
  const entry = process.env.PBX_DAEMON === 'dist' ? [path.join(REPO, 'dist/src/cli/main.js')] : ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts')];
  const daemon = serverProcess(() => spawn(process.execPath, [...entry, 'run', '--config', configDir], { cwd: REPO, stdio: ['ignore', log, log] }), opts.httpPort, 30_000);
  const http = async (pathname: string) => (await fetch(`http://127.0.0.1:${opts.httpPort}${pathname}`)).json() as Promise<unknown>;
  const stack: ProcessStack = {
    dir,
    configDir,
    agents,
    bins,
    servers,
    daemon,
    http,
    async stop() {
      await stopProcess(daemon.proc);
      await servers.stop();
      finish();
    },
  };
  try {
    await waitPort(opts.httpPort, 30_000);
    await waitFor('the daemon to report every dependency up', async () => ((await http('/healthz')) as { status: string }).status === 'ok' || undefined, 30_000, 200);
  } catch (err) {
    await stack.stop().catch(() => undefined);
    throw new Error(`${(err as Error).message}; logs in ${dir}`);
  }
  return stack;
}

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a SIPp scenario to completion (client side). */
export function runSipp(bins: Binaries, args: string[], cwd: string, timeoutMs = 60_000): Promise<SippResult> {
  return new Promise((resolve) => {
    const p = spawn(bins.sipp, ['-nostdin', ...args], { cwd });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** True once a UDP socket is bound to 127.0.0.1:port or 0.0.0.0:port (Linux /proc). */
function udpBound(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  try {
    return readFileSync('/proc/net/udp', 'utf8').split('\n').some((l) => /^\s*\d+: (0100007F|00000000):/.test(l) && l.includes(`:${hex} `));
  } catch {
    return true;
  }
}

/** Starts a SIPp server scenario (a phone) in the background; resolves once it listens on `port`. */
export async function startSipp(bins: Binaries, args: string[], cwd: string, port?: number): Promise<{ proc: ChildProcess; stop(): Promise<void>; output(): string }> {
  const proc = spawn(bins.sipp, ['-nostdin', ...args], { cwd });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const p = port ?? Number(args[args.indexOf('-p') + 1]);
  if (p) await waitFor(`SIPp to listen on UDP ${p}`, () => (udpBound(p) ? true : undefined), 5_000, 20);
  return { proc, stop: () => stopProcess(proc, 2_000), output: () => out };
}

/** A working directory for one SIPp peer, holding the audio.wav its rtp_stream plays (a tone of freqHz). */
export function peerDir(stack: Pick<Stack, 'dir'>, name: string, freqHz: number, seconds = 2): string {
  const d = path.join(stack.dir, name);
  mkdirSync(d, { recursive: true });
  writeToneWav(path.join(d, 'audio.wav'), freqHz, seconds);
  return d;
}

/** Registers an agent's device whose calls go to a SIPp answering on contactPort. */
export function registerAgent(stack: Pick<Stack, 'dir' | 'bins'>, agent: AgentSpec, contactPort: number, expires = 300, localPort = contactPort + 500): Promise<SippResult> {
  return runSipp(
    stack.bins,
    [`127.0.0.1:${PORTS.drachtioSip}`, '-sf', path.join(SIPP_DIR, 'agent-register.xml'), '-m', '1', '-p', String(localPort), '-au', agent.user, '-ap', agent.password, '-key', 'user', agent.user, '-key', 'domain', 'test.local', '-key', 'contact_port', String(contactPort), '-key', 'expires', String(expires), '-timeout', '10s', '-timeout_error'],
    stack.dir,
    15_000,
  );
}

/**
 * Registers every agent's device at once, 25 at a time (each SIPp from its own
 * local port), all pointing at one phone on contactPort; throws naming the
 * first batch that failed.
 */
export async function registerAgents(stack: Pick<Stack, 'dir' | 'bins' | 'agents'>, contactPort: number): Promise<void> {
  for (let i = 0; i < stack.agents.length; i += 25) {
    const batch = stack.agents.slice(i, i + 25);
    const results = await Promise.all(batch.map((a, k) => registerAgent(stack, a, contactPort, 3600, 18000 + k)));
    if (results.some((r) => r.code !== 0)) throw new Error(`agents ${i + 1}-${i + batch.length} could not register`);
  }
}
