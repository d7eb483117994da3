/**
 * Campaigns, contact lists and do-not-call lists (administrators), and an
 * agent's preview (their own). Refusals name the field or the reason: a bad
 * campaign body 400 with every problem, editing an active campaign 409,
 * CSV rows reported by row number while the good rows import.
 *
 * Who: administrators everything; a supervisor (an agent with `supervises`)
 * the campaigns of the queues they supervise (create, edit, run, pause,
 * stop, delete, attempts), and the contact and do-not-call lists, except
 * deleting a list or taking a number off a do-not-call list, which stay
 * with administrators. Other agents: their own previews only.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { checkSettings, FIXED_AFTER_RUN, type CampaignSettings } from '../app/campaigns/settings.js';
import { parseListCsv } from '../app/campaigns/list-csv.js';
import type { CampaignRunner } from '../app/campaigns/runner.js';
import type { CampaignStore } from '../store/campaigns.js';
import type { Config } from '../config/schema.js';
import type { Logger } from 'pino';
import type { Caller } from './auth.js';
import { scopeOf } from './reports.js';

export interface CampaignApiDeps {
  store: CampaignStore;
  runner: () => CampaignRunner;
  config: () => Config;
  log: Logger;
  now: () => number;
}

type Id = { Params: { id: string } };

export function registerCampaigns(app: FastifyInstance, d: CampaignApiDeps): void {
  // Deps are read when a request comes (tests of other routes build the API without them).
  const bad = (reply: FastifyReply, problems: string[]) => reply.code(400).send({ error: problems[0], field: problems[0]!.split(':')[0], problems });
  const nameOf = (body: unknown) => (typeof (body as { name?: unknown })?.name === 'string' ? ((body as { name: string }).name.trim() || undefined) : undefined);

  // A supervisor's reach: undefined is everything; a campaign outside it is as if it did not exist.
  const scope = (req: unknown) => scopeOf((req as { caller?: Caller }).caller ?? { kind: 'admin' }, d.config());
  const ADMIN_ONLY = [/^DELETE \/api\/(lists|dnc-lists)\//];
  app.addHook('preHandler', async (req, reply) => {
    const p = req.url.split('?')[0]!;
    if (!/^\/api\/(campaigns|lists|dnc-lists)(\/|$)/.test(p)) return;
    const s = scope(req);
    if (s === 'none') return reply.code(403).send({ error: 'campaigns and their lists are for supervisors (of the queues they supervise) and administrators' });
    if (s && ADMIN_ONLY.some((r) => r.test(`${req.method} ${p}`))) return reply.code(403).send({ error: 'deleting a list or taking a number off a do-not-call list is for administrators' });
  });
  const mine = (req: unknown, queue: string | undefined) => {
    const s = scope(req);
    if (s === undefined) return true;
    return s !== 'none' && !!queue && s.queues.has(queue);
  };
  const outside = (req: unknown, settings: { queue?: string } | undefined) => !settings || !mine(req, settings.queue);

  // ---- contact lists ------------------------------------------------------
  app.post('/api/lists', async (req, reply) => {
    const name = nameOf(req.body);
    if (!name) return bad(reply, ['name: required']);
    return reply.code(201).send({ id: await d.store.createList(name, d.now()), name });
  });
  app.get('/api/lists', async () => ({ lists: (await d.store.lists()).map((l) => ({ id: l.id, name: l.name, contacts: Number(l.contacts), createdAt: new Date(l.created_at).toISOString() })) }));
  app.post<Id & { Body: string; Querystring: { number?: string; name?: string; timeZone?: string; country?: string } }>('/api/lists/:id/contacts', async (req, reply) => {
    if (!(await d.store.list(req.params.id))) return reply.code(404).send({ error: `no contact list ${req.params.id}`, field: 'id' });
    if (typeof req.body !== 'string') return reply.code(415).send({ error: 'send the contacts as text/csv with a header row; ?number= names the number column' });
    const q = req.query;
    const started = d.now();
    const log = d.log.child({ listId: req.params.id });
    const { rows, problems } = await parseListCsv(req.body, { number: q.number ?? 'number', ...(q.name ? { name: q.name } : {}), ...(q.timeZone ? { timeZone: q.timeZone } : {}), ...(q.country ? { country: q.country } : {}) }, (done, total) => log.info({ done, total }, 'contact list import: rows read'));
    const imported = await d.store.addContacts(req.params.id, rows, (done) => done % 20_000 === 0 && log.info({ done, total: rows.length }, 'contact list import: rows stored'));
    log.info({ imported, problems: problems.length, ms: d.now() - started }, 'contact list imported');
    return reply.code(problems.length && !imported ? 400 : 200).send({ imported, problems });
  });
  app.delete<Id>('/api/lists/:id', async (req, reply) => {
    const using = (await d.store.campaigns()).find((c) => (JSON.parse(c.settings) as CampaignSettings).lists.includes(req.params.id));
    if (using) return reply.code(409).send({ error: `campaign ${using.name} uses this list` });
    return (await d.store.deleteList(req.params.id)) ? { deleted: true } : reply.code(404).send({ error: `no contact list ${req.params.id}` });
  });

  // ---- do-not-call lists --------------------------------------------------
  app.post('/api/dnc-lists', async (req, reply) => {
    const name = nameOf(req.body);
    if (!name) return bad(reply, ['name: required']);
    return reply.code(201).send({ id: await d.store.createDnc(name, d.now()), name });
  });
  app.get('/api/dnc-lists', async () => ({ lists: (await d.store.dncLists()).map((l) => ({ id: l.id, name: l.name })) }));
  app.get<Id>('/api/dnc-lists/:id/numbers', async (req, reply) => ((await d.store.dncList(req.params.id)) ? { numbers: await d.store.dncNumbers(req.params.id) } : reply.code(404).send({ error: `no do-not-call list ${req.params.id}` })));
  // Numbers as JSON ({ "numbers": [...] }) or CSV (a number per row, the first column), each normalised to E.164.
  app.post<Id & { Body: unknown; Querystring: { country?: string } }>('/api/dnc-lists/:id/numbers', async (req, reply) => {
    if (!(await d.store.dncList(req.params.id))) return reply.code(404).send({ error: `no do-not-call list ${req.params.id}`, field: 'id' });
    const raw = typeof req.body === 'string' ? req.body.split(/\r?\n/).map((l) => l.split(',')[0]!.trim()).filter((l) => l && !/^number$/i.test(l)) : (req.body as { numbers?: unknown })?.numbers;
    if (!Array.isArray(raw)) return bad(reply, ['numbers: a list of phone numbers']);
    const numbers: string[] = [];
    const problems: { row: number; message: string }[] = [];
    raw.forEach((n, i) => {
      const p = typeof n === 'string' ? parsePhoneNumberFromString(n, req.query.country ? { defaultCountry: req.query.country.toUpperCase() as never } : undefined) : undefined;
      if (p?.isValid()) numbers.push(p.number);
      else problems.push({ row: i + 1, message: `"${String(n)}" is not a valid phone number` });
    });
    const added = await d.store.addDnc(req.params.id, numbers, typeof req.body === 'string' ? 'import' : 'api', d.now());
    for (const n of numbers) d.runner().dnc(req.params.id, n, true);
    return reply.code(problems.length && !numbers.length ? 400 : 200).send({ added, problems });
  });
  app.delete<{ Params: { id: string; number: string } }>('/api/dnc-lists/:id/numbers/:number', async (req, reply) => {
    const removed = await d.store.removeDnc(req.params.id, req.params.number);
    if (removed) d.runner().dnc(req.params.id, req.params.number, false);
    return removed ? { removed: true } : reply.code(404).send({ error: `${req.params.number} is not on the list` });
  });

  // ---- campaigns ----------------------------------------------------------
  const known = async () => ({ lists: new Set((await d.store.lists()).map((l) => l.id)), dncLists: new Set((await d.store.dncLists()).map((l) => l.id)) });
  const view = async (id: string) => {
    const row = await d.store.campaign(id);
    if (!row) return undefined;
    const progress = d.runner().progress(id);
    return { id, status: progress?.status ?? row.status, instance: progress?.instance ?? row.instance, settings: JSON.parse(row.settings) as CampaignSettings, ...(progress ? { progress } : {}), outcomes: await d.store.outcomes(id, progress?.instance ?? row.instance) };
  };

  const settingsOf = async (id: string) => {
    const row = await d.store.campaign(id);
    return row ? { row, settings: JSON.parse(row.settings) as CampaignSettings } : undefined;
  };
  const notFound = (reply: FastifyReply, id: string) => reply.code(404).send({ error: `no campaign ${id}` });
  const foreignQueue = (reply: FastifyReply, s: CampaignSettings) =>
    reply.code(403).send({ error: s.queue ? `queue ${s.queue} is not one you supervise` : 'an agentless campaign is for administrators', field: s.queue ? 'queue' : 'flow' });

  app.post('/api/campaigns', async (req, reply) => {
    const r = checkSettings(req.body, d.config(), await known());
    if ('problems' in r) return bad(reply, r.problems);
    if (!mine(req, r.settings.queue)) return foreignQueue(reply, r.settings);
    const id = randomUUID();
    await d.store.putCampaign(id, r.settings.name, r.settings, d.now());
    return reply.code(201).send(await view(id));
  });
  app.get('/api/campaigns', async (req) => ({
    campaigns: await Promise.all((await d.store.campaigns()).filter((c) => mine(req, (JSON.parse(c.settings) as CampaignSettings).queue)).map((c) => view(c.id))),
  }));
  app.get<Id>('/api/campaigns/:id', async (req, reply) => (outside(req, (await settingsOf(req.params.id))?.settings) ? notFound(reply, req.params.id) : view(req.params.id)));
  app.put<Id>('/api/campaigns/:id', async (req, reply) => {
    const row = await d.store.campaign(req.params.id);
    if (!row || outside(req, JSON.parse(row.settings) as CampaignSettings)) return notFound(reply, req.params.id);
    const status = d.runner().progress(req.params.id)?.status ?? row.status;
    if (status === 'active') return reply.code(409).send({ error: 'an active campaign cannot be edited: pause or stop it first' });
    const r = checkSettings(req.body, d.config(), await known());
    if ('problems' in r) return bad(reply, r.problems);
    if (!mine(req, r.settings.queue)) return foreignQueue(reply, r.settings);
    if (row.instance > 0) {
      const before = JSON.parse(row.settings) as Record<string, unknown>;
      const changed = FIXED_AFTER_RUN.filter((f) => JSON.stringify(before[f]) !== JSON.stringify((r.settings as unknown as Record<string, unknown>)[f]));
      if (changed.length) return reply.code(409).send({ error: `${changed.join(', ')} cannot change once the campaign has run (clone it instead)`, field: changed[0] });
    }
    const refused = d.runner().unload(req.params.id);
    if (refused) return reply.code(409).send({ error: refused });
    await d.store.putCampaign(req.params.id, r.settings.name, r.settings, d.now());
    if (status === 'paused') await d.runner().load(req.params.id);
    return view(req.params.id);
  });
  app.delete<Id>('/api/campaigns/:id', async (req, reply) => {
    const row = await d.store.campaign(req.params.id);
    if (!row || outside(req, JSON.parse(row.settings) as CampaignSettings)) return notFound(reply, req.params.id);
    const status = d.runner().progress(req.params.id)?.status ?? row.status;
    if (status === 'active') return reply.code(409).send({ error: 'an active campaign cannot be deleted: stop it first' });
    const refused = d.runner().unload(req.params.id);
    if (refused) return reply.code(409).send({ error: refused });
    await d.store.deleteCampaign(req.params.id);
    return { deleted: true };
  });
  for (const action of ['run', 'pause', 'resume', 'stop', 'rerun'] as const) {
    app.post<Id>(`/api/campaigns/:id/${action}`, async (req, reply) => {
      if (outside(req, (await settingsOf(req.params.id))?.settings)) return notFound(reply, req.params.id);
      const refused = await d.runner().act(req.params.id, action === 'rerun' ? 'run' : action);
      return refused ? reply.code(409).send({ error: refused }) : view(req.params.id);
    });
  }
  // A copy without its schedule, Ready, named "... (copy)".
  app.post<Id>('/api/campaigns/:id/clone', async (req, reply) => {
    const found = await settingsOf(req.params.id);
    if (!found || outside(req, found.settings)) return notFound(reply, req.params.id);
    const { schedule: _drop, ...settings } = found.settings;
    const id = randomUUID();
    await d.store.putCampaign(id, `${settings.name} (copy)`, { ...settings, name: `${settings.name} (copy)` }, d.now());
    return reply.code(201).send(await view(id));
  });
  app.get<Id & { Querystring: { limit?: string } }>('/api/campaigns/:id/attempts', async (req, reply) => {
    if (outside(req, (await settingsOf(req.params.id))?.settings)) return notFound(reply, req.params.id);
    return { attempts: (await d.store.attempts(req.params.id, Math.min(10_000, Number(req.query.limit ?? 1000) || 1000))).map((a) => ({ contactId: a.contact_id, number: a.number, outcome: a.outcome, callId: a.call_id, instance: a.instance, at: new Date(a.at).toISOString() })) };
  });

  // ---- an agent's preview -------------------------------------------------
  app.get<Id>('/api/agents/:id/preview', async (req) => ({ preview: d.runner().previewOf(req.params.id) ?? null }));
  app.post<Id & { Body: { contactId?: unknown; decision?: unknown } }>('/api/agents/:id/preview', async (req, reply) => {
    const b = req.body ?? {};
    if (typeof b.contactId !== 'string') return bad(reply, ['contactId: the contact being previewed']);
    if (b.decision !== 'dial' && b.decision !== 'skip') return bad(reply, ['decision: dial or skip']);
    const refused = d.runner().previewDecision(req.params.id, b.contactId, b.decision);
    return refused ? reply.code(409).send({ error: refused }) : { decision: b.decision };
  });
}
