/**
 * Serves the agent desk: a SIP.js WebRTC softphone with presence, offers,
 * live-call controls, wrap-up, calls in pool and notifications (src/web/desk),
 * SIP.js, Preact and htm from the installed packages, and the settings the page needs to register (domain, WebSocket
 * transports).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export interface DeskSettings {
  domain: string;
  /** drachtio-server's WebSocket listeners; host is left to the page when it listens on every address. */
  websockets: { secure: boolean; host?: string; port: number }[];
}

/** src/web/desk, whether running from src (tsx) or from dist/src (the build). */
export function deskDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../web/desk'), path.resolve(here, '../../../src/web/desk')];
  return candidates.find((c) => existsSync(path.join(c, 'index.html'))) ?? candidates[0]!;
}

/** An installed package's directory (sip.js: its entry's; preact, htm: the package root above dist/). */
function packageDir(name: string, up = 0): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve(name));
  for (let i = 0; i < up; i++) dir = path.dirname(dir);
  return dir;
}

export async function registerDesk(app: FastifyInstance, settings: () => DeskSettings): Promise<void> {
  await app.register(fastifyStatic, { root: deskDir(), prefix: '/desk/', index: 'index.html' });
  await app.register(fastifyStatic, { root: packageDir('sip.js'), prefix: '/desk/vendor/sip.js/', decorateReply: false });
  // The desk's UI library, served as the browser imports it (see index.html's import map).
  await app.register(fastifyStatic, { root: packageDir('preact', 1), prefix: '/desk/vendor/preact/', decorateReply: false });
  await app.register(fastifyStatic, { root: packageDir('htm', 1), prefix: '/desk/vendor/htm/', decorateReply: false });
  // The reports' charts.
  await app.register(fastifyStatic, { root: packageDir('uplot', 1), prefix: '/desk/vendor/uplot/', decorateReply: false });
  app.get('/desk', async (_req, reply) => reply.redirect('/desk/'));
  // The supervisors' pages, beside the desk (same UI library and sign-in).
  app.get('/wallboard', async (req, reply) => reply.redirect(`/desk/wallboard.html${req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''}`));
  app.get('/reports', async (_req, reply) => reply.redirect('/desk/reports.html'));
  app.get('/campaigns', async (_req, reply) => reply.redirect('/desk/campaigns.html'));
  app.get('/desk/settings.json', async () => settings());
}

export function deskSettings(sip: { domain: string; transports: { protocol: string; address: string; port: number; external?: string }[] }): DeskSettings {
  return {
    domain: sip.domain,
    websockets: sip.transports
      .filter((t) => t.protocol === 'ws' || t.protocol === 'wss')
      .map((t) => {
        const host = t.external ?? t.address;
        return { secure: t.protocol === 'wss', port: t.port, ...(host === '0.0.0.0' || host === '::' ? {} : { host }) };
      }),
  };
}
