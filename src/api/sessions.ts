/**
 * Desk sign-in over HTTP: `POST /api/sessions` with the agent's SIP
 * credentials (HTTP Basic, or a JSON body) opens a session; `DELETE
 * /api/sessions/current` signs out; `DELETE /api/agents/:id/sessions`
 * revokes every session of an agent (an admin, or the agent themself).
 */
import type { FastifyInstance } from 'fastify';
import type { SignInResult } from '../app/sign-in.js';
import { basicCredentials, type Caller } from './auth.js';

export interface SessionDeps {
  signIn(username: string, password: string, source: string): Promise<SignInResult>;
  signOut(token: string): Promise<boolean>;
  revokeAgent(agentId: string): Promise<number>;
}

export function registerSessions(app: FastifyInstance, d: SessionDeps): void {
  app.post<{ Body: { username?: string; password?: string } | undefined }>(
    '/api/sessions',
    {
      schema: {
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 128 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
        },
      },
    },
    async (req, reply) => {
      const creds = basicCredentials(req.headers.authorization) ?? (req.body?.username && req.body.password ? { username: req.body.username, password: req.body.password } : undefined);
      if (!creds) return reply.code(400).send({ error: 'username and password: HTTP Basic, or a JSON body {username, password}', field: 'username' });
      const r = await d.signIn(creds.username, creds.password, req.ip);
      if (!r.ok && r.reason === 'banned') return reply.code(429).header('Retry-After', String(r.retryAfterSec ?? 60)).send({ error: 'too many failed sign-ins from this address; try again later' });
      if (!r.ok) return reply.code(401).send({ error: 'wrong username or password' });
      return reply.code(201).send({ token: r.token, agentId: r.agentId, expiresAt: new Date(r.expiresAt).toISOString() });
    },
  );

  app.delete('/api/sessions/current', async (req, reply) => {
    const caller = (req as unknown as { caller: Caller }).caller;
    const token = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : undefined;
    if (caller.kind !== 'agent' || !token) return reply.code(400).send({ error: "only an agent's session can be signed out" });
    await d.signOut(token);
    return { signedOut: true };
  });

  app.delete<{ Params: { id: string } }>('/api/agents/:id/sessions', async (req) => ({ revoked: await d.revokeAgent(req.params.id) }));
}
