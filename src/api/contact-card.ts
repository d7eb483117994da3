/**
 * The contact card of a call: the caller's contact (name, company,
 * properties from the imports and from agents), their earlier calls with the
 * agent's disposition, notes and recordings, and the call's data (what the
 * IVR collected). `GET|PUT /api/calls/:id/contact`; an agent reaches only the
 * cards of calls they handled.
 */
import type { FastifyInstance } from 'fastify';
import type { Caller } from './auth.js';
import { PROPERTY_LIMITS, type ContactCard, type ContactStore } from '../store/contacts.js';
import type { CallStore } from '../store/calls.js';

export interface ContactCardDeps {
  contacts: Pick<ContactStore, 'card' | 'setProperties' | 'history'>;
  calls: Pick<CallStore, 'get'>;
  /** Whether the agent handled the call (src/app/work.ts). */
  handled(callId: string, agentId: string): Promise<unknown>;
  /** What the CRM says of the caller, if one is configured. */
  crm?: (number: string) => Promise<{ name?: string; company?: string; properties: Record<string, string> } | undefined>;
}

export function registerContactCard(app: FastifyInstance, d: ContactCardDeps): void {
  type Refusal = { status: number; error: string; field: string };
  const callOf = async (req: { params: { id: string } }, caller: Caller) => {
    const refuse = (status: number, error: string): Refusal => ({ status, error, field: 'id' });
    const record = await d.calls.get(req.params.id);
    if (!record) return refuse(404, `no call ${req.params.id}`);
    if (caller.kind === 'agent') {
      const h = await d.handled(req.params.id, caller.agentId);
      if (h === 'not-theirs' || h === 'no-call') return refuse(403, `call ${req.params.id} was not handled by agent ${caller.agentId}`);
    }
    if (!record.caller_number) return refuse(409, 'the call has no caller number');
    return { record, number: record.caller_number };
  };

  app.get<{ Params: { id: string } }>('/api/calls/:id/contact', { schema: { description: "The caller's contact card: details, properties, earlier calls, and the call's data." } }, async (req, reply) => {
    const c = await callOf(req, (req as unknown as { caller: Caller }).caller);
    if ('error' in c) return reply.code(c.status).send({ error: c.error, field: c.field });
    const [card, history, crm] = await Promise.all([d.contacts.card(c.number), d.contacts.history(c.number), d.crm?.(c.number)]);
    // What the IVR collected on the way in, and variables set since.
    const data: Record<string, unknown> = {};
    for (const e of c.record.timeline) if ((e.type === 'ivr-end' || e.type === 'ended') && e.data?.variables && typeof e.data.variables === 'object') Object.assign(data, e.data.variables);
    const contact: ContactCard = card ?? { number: c.number, name: c.record.caller_name ?? '', properties: {} };
    return { known: !!card, contact, ...(crm ? { crm } : {}), history: history.filter((h) => h.id !== req.params.id), data };
  });

  app.put<{ Params: { id: string }; Body: { properties: Record<string, string> } }>(
    '/api/calls/:id/contact',
    {
      schema: {
        description: "Sets properties of the caller's contact (an empty value removes one); a caller not yet a contact becomes one.",
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['properties'],
          properties: {
            properties: {
              type: 'object',
              maxProperties: PROPERTY_LIMITS.count,
              propertyNames: { pattern: `^[A-Za-z][A-Za-z0-9 _.-]{0,${PROPERTY_LIMITS.keyChars - 1}}$` },
              additionalProperties: { type: 'string', maxLength: PROPERTY_LIMITS.valueChars },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const c = await callOf(req, (req as unknown as { caller: Caller }).caller);
      if ('error' in c) return reply.code(c.status).send({ error: c.error, field: c.field });
      const current = await d.contacts.card(c.number);
      if (Object.keys({ ...(current?.properties ?? {}), ...req.body.properties }).length > PROPERTY_LIMITS.count) return reply.code(400).send({ error: `properties: at most ${PROPERTY_LIMITS.count}`, field: 'properties' });
      return { contact: await d.contacts.setProperties(c.number, req.body.properties, c.record.caller_name ?? c.number) };
    },
  );
}
