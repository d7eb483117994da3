/**
 * Starts and stops the daemon: configuration, database, the connections to
 * drachtio-server and FreeSWITCH, the registrar, the contact centre and the
 * HTTP API. Each connection retries on its own; the daemon serves (and
 * says what is down in /healthz) whatever the state of its dependencies.
 */
import path from 'node:path';
import Srf from 'drachtio-srf';
import pino, { type Logger } from 'pino';
import { ConfigReloader } from '../config/reloader.js';
import type { ConfigError } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { RouterSnapshot } from '../core/acd/types.js';
import { EventSocket } from '../media/event-socket.js';
import { MediaConnection } from '../media/media-server.js';
import { Registrar } from '../sip/registrar.js';
import { Gatekeeper } from '../sip/gatekeeper.js';
import { CallStore } from '../store/calls.js';
import { ContactStore } from '../store/contacts.js';
import { SessionStore } from '../store/sessions.js';
import { SignIn } from './sign-in.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { recordingsHealth, sweepRecordings } from './calls/recordings.js';
import { migrate, openSqlite, type Db } from '../store/db.js';
import { buildApi } from '../api/http.js';
import { DEFAULT_SETTINGS, type AgentSettings } from '../api/live-calls.js';
import { AgentSettingsStore } from '../store/agent-settings.js';
import { deskSettings } from '../api/desk.js';
import { Metrics } from '../api/metrics.js';
import { ContactCentre, hrNow } from './contact-centre.js';
import { runIvr } from './ivr-runner.js';
import { OutboundDialer } from './outbound.js';
import { CampaignRunner } from './campaigns/runner.js';
import { CampaignStore } from '../store/campaigns.js';
import { registrarPolicy, tollPolicy } from './policy.js';
import { TollGuard } from '../core/security/toll-guard.js';
import { applyLibraryGuards } from './library-guards.js';
import { WorkStore, toWork } from '../store/work.js';
import { ReportStore } from '../store/reports.js';
import { Reports } from './reports.js';
import { ScriptService } from './scripts.js';
import { Webhooks } from './webhooks.js';
import { CrmLookup } from './crm-lookup.js';
import { Transcription } from './transcription/service.js';
import { TranscriptStore } from '../store/transcripts.js';

export interface Daemon {
  config: () => Config;
  metrics: Metrics;
  db: Db;
  centre: ContactCentre;
  outbound: OutboundDialer;
  campaigns: CampaignRunner;
  transcription: Transcription;
  httpAddress: string;
  recordingsDir: string;
  reload(): Promise<{ ok: boolean; errors: ConfigError[] }>;
  stop(): Promise<void>;
}

/** Secrets never reach the log, wherever they appear in a logged object. */
export function makeLogger(level: string, destination?: string): Logger {
  const options = {
    level,
    redact: { paths: ['password', 'secret', '*.password', '*.secret', '*.*.password', '*.*.secret', 'authorization', '*.authorization'], censor: '[redacted]' },
  };
  return destination ? pino(options, pino.destination({ dest: destination, sync: false })) : pino(options);
}

export async function startDaemon(configDir: string, config: Config, log: Logger = makeLogger(config.daemon.logLevel)): Promise<Daemon> {
  applyLibraryGuards(log.child({ component: 'sip' }));
  const reloader = new ConfigReloader(configDir, config, log.child({ component: 'config' }));
  const current = () => reloader.current;

  const dbFile = path.resolve(config.daemon.dataDir, 'pbx.sqlite');
  const db: Db = openSqlite(dbFile);
  const applied = await migrate(db);
  log.info({ dbFile, applied }, 'database ready');
  const metrics = new Metrics();
  const calls = new CallStore(db, log.child({ component: 'store' }), { maxPending: 200_000, retryMs: 500, maxRetryMs: 10_000, onLost: (n) => metrics.dbWritesLost.inc(n) });
  const contacts = new ContactStore(db);
  const crm = new CrmLookup({ config: current, log: log.child({ component: 'crm' }) });
  // FreeSWITCH writes the recordings here: the same path for both (one machine, or a shared volume).
  const recordingsDir = path.resolve(config.daemon.recordingsDir ?? path.join(config.daemon.dataDir, 'recordings'));
  mkdirSync(recordingsDir, { recursive: true });

  // drachtio-server: the control connection reconnects by itself with back-off.
  const srf = new Srf();
  let sipUp = false;
  let sipError = 'not connected yet';
  let sipLost = false;
  srf.on('connect', (err, hostPort) => {
    if (err) return;
    sipUp = true;
    log.info({ hostPort }, 'drachtio-server connected');
    if (!sipLost) return;
    sipLost = false;
    // A restarted drachtio-server has forgotten every dialog: calls are followed from their records.
    void centre?.sipRestored().then(
      (r) => log.info(r, 'calls in progress taken over after drachtio-server came back'),
      (err: Error) => log.error({ err: err.message }, 'taking calls over after drachtio-server came back failed'),
    );
  });
  // drachtio-srf says 'close' when the connection drops and 'reconnecting' while it retries.
  const sipDown = () => {
    if (sipUp) log.warn('drachtio-server connection lost; reconnecting');
    if (sipUp) sipLost = true;
    sipUp = false;
    sipError = 'connection lost';
  };
  srf.on('close' as 'error', sipDown);
  srf.on('reconnecting' as 'error', sipDown);
  srf.on('error', (err) => {
    sipError = err.message;
    log.debug({ err: err.message }, 'drachtio-server connection error');
  });
  srf.connect({ host: config.drachtio.host, port: config.drachtio.port, secret: config.drachtio.secret });

  const esl = new EventSocket(config.freeswitch.eventSocket, log.child({ component: 'freeswitch' }));
  esl.start();
  const fs = config.freeswitch;
  const media = new MediaConnection(
    srf,
    esl,
    { address: fs.eventSocket.host, port: fs.eventSocket.port, secret: fs.eventSocket.password, listenAddress: fs.listenAddress, listenPort: fs.listenPort, profile: fs.mediaProfile },
    log.child({ component: 'media' }),
  );
  media.start();

  const saved = await db.selectFrom('router_state').select('snapshot').where('id', '=', 'router').executeTakeFirst();
  const snapshot = saved ? (JSON.parse(saved.snapshot) as RouterSnapshot) : undefined;
  let centre: ContactCentre | undefined;
  // Transcripts and voicemail beside the calls: its jobs are rows in the database, picked up again after a restart.
  const transcriptStore = new TranscriptStore(db);
  const transcription = new Transcription({
    config: current,
    store: transcriptStore,
    recording: (id) => calls.recording(id),
    recordingsDir,
    log: log.child({ component: 'transcription' }),
    metrics,
    now: Date.now,
    emit: (e) => centre?.emit('live', e),
    api: (command) => esl.api(command),
  });
  const gatekeeper = new Gatekeeper(config, log.child({ component: 'security' }), { refused: metrics.sipRefused, bans: metrics.sipBans });
  (srf as unknown as { use(fn: typeof gatekeeper.middleware): void }).use(gatekeeper.middleware);
  const registrar = new Registrar(
    registrarPolicy(config),
    db,
    log.child({ component: 'registrar' }),
    (agentId, reachable) => centre?.feed({ type: 'agent-reachable', agentId, reachable }),
    Date.now,
    gatekeeper,
  );
  const ivrLog = log.child({ component: 'ivr' });
  const toll = new TollGuard(tollPolicy(config));
  centre = new ContactCentre(
    {
      srf, media, esl, registrar, calls, db, metrics, toll, transcription,
      log: log.child({ component: 'calls' }),
      config: current,
      nodeId: config.daemon.nodeId,
      recordingsDir,
      // The CRM's name wins when it answers within its timeout; the imported contact otherwise.
      contactName: async (n) => {
        const [fromCrm, imported] = await Promise.all([crm.nameOf(n), contacts.nameOf(n)]);
        return fromCrm ?? imported;
      },
      ivr: async (call, flowName) => {
        const flow = current().ivr[flowName];
        if (!flow) return undefined;
        return runIvr(flowName, flow, call, (step, detail) => calls.event(call.id, hrNow(), 'ivr-step', { flow: flowName, step, ...detail }), ivrLog);
      },
    },
    snapshot,
  );
  // Call events to CRMs and ticketing systems; deliveries run beside the calls.
  const webhooks = new Webhooks({ config: current, calls, metrics, log: log.child({ component: 'webhooks' }) });
  centre.on('live', (e) => webhooks.onEvent(e));
  if (snapshot) {
    // Needs FreeSWITCH to tell which bridged calls are still up: once its Event Socket answers.
    const reconcile = () =>
      void centre!.reconcileAfterRestart().then(
        (r) => log.info(r, 'router state restored from the previous run'),
        (err: Error) => log.error({ err: err.message }, 'restoring calls after restart failed'),
      );
    if (esl.up) reconcile();
    else esl.once('up', reconcile);
  }
  const outbound = new OutboundDialer({ srf, media, calls, centre, log: log.child({ component: 'outbound' }), config: current, nodeId: config.daemon.nodeId, tapAddress: fs.listenAddress, toll, onTollRefused: (reason) => metrics.externalRefused.inc({ reason }) });
  // FreeSWITCH gone: no call's media survives it, so no phone is left in a dead call.
  media.on('down', (reason) => {
    const ended = centre!.mediaLost() + outbound.mediaLost();
    log.warn({ reason, ended }, 'media server lost: calls in progress ended');
  });
  const restored = await registrar.restore();
  log.info({ restored }, 'registrations restored');

  const s = srf as unknown as Record<string, (h: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void) => void>;
  s.register!((req, res) => registrar.handle(req, res));
  s.options!((_req, res) => res.send(200));
  srf.invite((req, res) => {
    centre!.handleInvite(req, res).catch((err: Error) => {
      log.error({ err: err.message }, 'inbound call failed');
      if (!res.finalResponseSent) res.send(500);
    });
  });

  reloader.on('change', (next) => {
    registrar.setPolicy(registrarPolicy(next));
    gatekeeper.reconfigure(next);
    toll.setPolicy(tollPolicy(next));
    signIn.reconfigure(next);
    centre!.reconfigure(next);
    transcription.reconfigure();
    if (next.daemon.logLevel !== log.level) log.level = next.daemon.logLevel;
  });
  reloader.start();

  const campaignStore = new CampaignStore(db);
  const campaigns = new CampaignRunner({
    store: campaignStore,
    originate: (req) => outbound.originate(req),
    cancel: (id) => outbound.cancel(id),
    router: () => centre!.router,
    config: current,
    emit: (e) => centre!.emit('live', e),
    onLive: (listener) => centre!.on('live', listener),
    log: log.child({ component: 'campaigns' }),
    now: Date.now,
  });
  await campaigns.start();
  await transcription.start();
  centre.work.callLists = (callId) => campaigns.dispositionsOf(callId);

  const workStore = new WorkStore(db);
  let scriptService: ScriptService | undefined;
  const scripts = () => (scriptService ??= new ScriptService({ work: centre!.work, store: workStore, calls, config: current, contactName: (n) => contacts.nameOf(n), now: Date.now }));
  const reports = new Reports(new ReportStore(db), Date.now, () => centre!.ledger.open());
  const signIn = new SignIn(new SessionStore(db), current, log.child({ component: 'sign-in' }));
  const api = await buildApi({
    log,
    metrics,
    calls,
    router: () => centre!.router,
    location: registrar.location,
    usernameOf: (id) => current().agents[id]?.sip.username,
    outbound,
    contacts,
    agentAction: (event) => centre!.feed(event),
    subscribe: (listener) => {
      centre!.on('live', listener);
      return () => centre!.off('live', listener);
    },
    breakReasons: () => current().routing.breakReasons,
    ...(config.daemon.http.token ? { token: config.daemon.http.token } : {}),
    sessions: {
      signIn: (username, password, source) => signIn.signIn(username, password, source),
      signOut: (token) => signIn.signOut(token),
      revokeAgent: (agentId) => signIn.revokeAgent(agentId),
      agentOf: (token) => signIn.agentOf(token),
    },
    ...(config.daemon.http.tls ? { tls: { cert: readFileSync(config.daemon.http.tls.certFile), key: readFileSync(config.daemon.http.tls.keyFile) } } : {}),
    agentProfile: (id) => {
      const a = current().agents[id];
      return { id, ...(a?.name ? { name: a.name } : {}), ...(a?.extension ? { extension: a.extension } : {}), ...(a ? { username: a.sip.username, supervises: a.supervises } : {}) };
    },
    desk: () => deskSettings(current().sip),
    liveCalls: {
      control: (callId, agentId, event) => centre!.control(callId, agentId, event),
      transfer: (callId, agentId, to) => centre!.transfer(callId, agentId, to),
      view: (callId) => centre!.liveView(callId),
      messages: () => Object.entries(current().voicemailDrops).map(([name, m]) => ({ name, ...(m.description ? { description: m.description } : {}) })),
      recordings: (callId) => calls.recordings(callId),
      supervises: (agentId) => current().agents[agentId]?.supervises ?? [],
      recording: (id) => calls.recording(id),
      recordingsDir,
      settings: new AgentSettingsStore<AgentSettings>(db, DEFAULT_SETTINGS),
      observe: (control, seconds) => metrics.controlLatency.observe({ control }, seconds),
    },
    collaboration: {
      control: (callId, agentId, event) => centre!.control(callId, agentId, event),
      consult: (callId, agentId, target) => centre!.consult(callId, agentId, target),
      supervise: (callId, supervisorId, event) => centre!.supervise(callId, supervisorId, event),
      supervisedCalls: (supervisorId) => centre?.supervisedCalls(supervisorId) ?? [],
      config: current,
      observe: (control, seconds) => metrics.controlLatency.observe({ control }, seconds),
    },
    work: {
      read: (callId, agentId) => centre!.work.read(callId, agentId),
      update: (callId, agentId, patch) => centre!.work.update(callId, agentId, patch),
      forCall: async (callId) =>
        (await workStore.forCall(callId)).map((r) => ({ agentId: r.agent_id, ...toWork(r), updatedAt: r.updated_at })),
      pending: (agentId) => centre!.work.pending(agentId),
      handled: (callId, agentId) => centre!.work.handled(callId, agentId),
      script: {
        view: (callId, agentId) => scripts().view(callId, agentId),
        act: (callId, agentId, action) => scripts().act(callId, agentId, action),
      },
    },
    reports: {
      reports,
      config: current,
      now: Date.now,
      call: async (callId) => {
        const record = await calls.get(callId);
        if (!record) return undefined;
        const [recordings, work] = await Promise.all([calls.recordings(callId), workStore.forCall(callId)]);
        return { record, recordings, work: work.map((w) => ({ agentId: w.agent_id, ...toWork(w), ...(w.wrap_up_ms !== null ? { wrapUpMs: Number(w.wrap_up_ms) } : {}), ...(w.script ? { script: JSON.parse(w.script) as unknown } : {}) })) };
      },
    },
    crm: (n) => crm.find(n),
    transcripts: {
      config: current,
      view: (callId) => transcription.transcriptOf(callId),
      call: async (callId) => (await calls.get(callId)) ?? undefined,
      list: (q) => calls.list(q),
      recordings: (callId) => calls.recordings(callId),
      search: (text, limit) => transcriptStore.search(text, limit),
      messages: (boxes, limit) => transcriptStore.messages(boxes, limit),
      messageCounts: (boxes) => transcriptStore.messageCounts(boxes),
      message: (id) => transcriptStore.message(id),
      updateMessage: (id, patch) => transcriptStore.updateMessage(id, patch),
      transcripts: (callId) => transcriptStore.transcripts(callId),
      jobs: () => transcription.jobs.jobs(),
      job: (id) => transcriptStore.job(id),
      retryJob: (id) => transcription.jobs.retryNow(id),
      recordingsDir,
      now: Date.now,
    },
    campaigns: { store: campaignStore, runner: () => campaigns, config: current, log: log.child({ component: 'campaigns' }), now: Date.now },
    wallboard: {
      router: () => centre!.router,
      reports,
      config: current,
      statuses: () => centre!.ledger.open(),
      subscribe: (listener) => {
        centre!.on('live', listener);
        return () => centre!.off('live', listener);
      },
      settle: () => calls.flush(2_000),
      now: Date.now,
    },
    ...(config.daemon.http.wallboardToken ? { wallboardToken: config.daemon.http.wallboardToken } : {}),
    security: { bans: () => gatekeeper.guard.bans(Date.now()), unban: (source) => gatekeeper.guard.unban(source, Date.now()) },
    health: () => {
      const deps = [
        { name: 'drachtio', up: sipUp, detail: sipUp ? undefined : sipError },
        { name: 'freeswitch', up: esl.up, detail: esl.up ? undefined : esl.lastError },
        { name: 'media', up: media.up, detail: media.up ? undefined : media.lastError },
        recordingsHealth(Date.now()),
        ...transcription.health(),
        { name: 'database', up: !calls.failing, detail: calls.failing ? `writes failing (${calls.failing}); ${calls.backlog} waiting in memory` : undefined },
      ];
      for (const dep of deps) metrics.dependencyUp.set({ dependency: dep.name }, dep.up ? 1 : 0);
      return deps;
    },
  });
  // Retention: expired recordings are deleted at start and every hour.
  const sweep = () => void sweepRecordings(calls, recordingsDir, Date.now(), log.child({ component: 'recordings' })).catch((err: Error) => log.warn({ err: err.message }, 'recording sweep failed'));
  sweep();
  const sweeper = setInterval(sweep, 3_600_000);
  sweeper.unref();
  const httpAddress = await api.listen({ host: config.daemon.http.host, port: config.daemon.http.port });
  log.info({ httpAddress }, 'daemon started');

  return {
    config: current,
    metrics,
    recordingsDir,
    db,
    centre,
    outbound,
    campaigns,
    transcription,
    httpAddress,
    reload: () => reloader.reload('api'),
    async stop() {
      reloader.stop();
      clearInterval(sweeper);
      webhooks.stop();
      campaigns.stop();
      await centre!.stop();
      await transcription.stop();
      registrar.stop();
      await api.close();
      media.stop();
      esl.stop();
      try {
        srf.disconnect();
      } catch {
        // drachtio-server already gone: nothing to close
      }
      await calls.flush();
      calls.stop();
      await db.destroy();
      log.info('daemon stopped');
    },
  };
}
