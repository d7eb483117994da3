/** Campaigns, contact lists, do-not-call lists, each contact's progress and every attempt, through kysely. */
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import type { CampaignTable, ListContactTable } from './tables.js';
import type { ListRow } from '../app/campaigns/list-csv.js';
import type { CampaignStatus, Contact, ContactState, Outcome } from '../core/campaign/types.js';

const BATCH = 500;

export class CampaignStore {
  constructor(private readonly db: Db) {}

  // ---- contact lists ------------------------------------------------------

  async createList(name: string, now: number): Promise<string> {
    const id = randomUUID();
    await this.db.insertInto('contact_lists').values({ id, name, created_at: now }).execute();
    return id;
  }

  lists(): Promise<{ id: string; name: string; created_at: number; contacts: number }[]> {
    return this.db
      .selectFrom('contact_lists as l')
      .leftJoin('list_contacts as c', 'c.list_id', 'l.id')
      .select(({ fn }) => ['l.id', 'l.name', 'l.created_at', fn.count<number>('c.id').as('contacts')])
      .groupBy(['l.id', 'l.name', 'l.created_at'])
      .orderBy('l.created_at')
      .execute();
  }

  list(id: string) {
    return this.db.selectFrom('contact_lists').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Appends rows to a list, in one transaction, in batches; returns how many. */
  async addContacts(listId: string, rows: ListRow[], onProgress?: (done: number) => void): Promise<number> {
    const last = await this.db.selectFrom('list_contacts').select(({ fn }) => fn.max<number>('row').as('row')).where('list_id', '=', listId).executeTakeFirst();
    const base = Number(last?.row ?? 0);
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < rows.length; i += BATCH) {
        const values: ListContactTable[] = rows.slice(i, i + BATCH).map((r, j) => ({ id: randomUUID(), list_id: listId, row: base + i + j + 1, number: r.number, name: r.name ?? null, zones: JSON.stringify(r.zones), properties: Object.keys(r.properties).length ? JSON.stringify(r.properties) : null }));
        await tx.insertInto('list_contacts').values(values).execute();
        onProgress?.(Math.min(i + BATCH, rows.length));
      }
    });
    return rows.length;
  }

  contactsOf(listIds: string[]): Promise<ListContactTable[]> {
    if (listIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('list_contacts').selectAll().where('list_id', 'in', listIds).orderBy('list_id').orderBy('row').execute();
  }

  contact(id: string): Promise<ListContactTable | undefined> {
    return this.db.selectFrom('list_contacts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async deleteList(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('contact_lists').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- do-not-call lists --------------------------------------------------

  async createDnc(name: string, now: number): Promise<string> {
    const id = randomUUID();
    await this.db.insertInto('dnc_lists').values({ id, name, created_at: now }).execute();
    return id;
  }

  dncList(id: string) {
    return this.db.selectFrom('dnc_lists').selectAll().where('id', '=', id).executeTakeFirst();
  }

  dncLists() {
    return this.db.selectFrom('dnc_lists').selectAll().orderBy('created_at').execute();
  }

  async addDnc(listId: string, numbers: string[], source: string, now: number): Promise<number> {
    let added = 0;
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < numbers.length; i += BATCH) {
        const r = await tx.insertInto('dnc_numbers').values(numbers.slice(i, i + BATCH).map((number) => ({ list_id: listId, number, added_at: now, source }))).onConflict((oc) => oc.doNothing()).executeTakeFirst();
        added += Number(r.numInsertedOrUpdatedRows ?? 0);
      }
    });
    return added;
  }

  async removeDnc(listId: string, number: string): Promise<boolean> {
    const r = await this.db.deleteFrom('dnc_numbers').where('list_id', '=', listId).where('number', '=', number).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async dncNumbers(listId: string): Promise<string[]> {
    return (await this.db.selectFrom('dnc_numbers').select('number').where('list_id', '=', listId).orderBy('number').execute()).map((r) => r.number);
  }

  // ---- campaigns ----------------------------------------------------------

  async putCampaign(id: string, name: string, settings: unknown, now: number): Promise<void> {
    const json = JSON.stringify(settings);
    await this.db
      .insertInto('campaigns')
      .values({ id, name, settings: json, status: 'ready', instance: 0, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name, settings: json, updated_at: now }))
      .execute();
  }

  campaigns(): Promise<CampaignTable[]> {
    return this.db.selectFrom('campaigns').selectAll().orderBy('created_at').execute();
  }

  campaign(id: string): Promise<CampaignTable | undefined> {
    return this.db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async setStatus(id: string, status: CampaignStatus, instance: number, now: number): Promise<void> {
    await this.db.updateTable('campaigns').set({ status, instance, updated_at: now }).where('id', '=', id).execute();
  }

  async deleteCampaign(id: string): Promise<void> {
    await this.db.deleteFrom('campaigns').where('id', '=', id).execute();
  }

  /** The campaign's contacts with their progress in this instance (fresh ones for contacts it has not touched). */
  async loadContacts(campaignId: string, listIds: string[], instance: number): Promise<{ contact: Contact; row: ListContactTable }[]> {
    const rows = await this.contactsOf(listIds);
    const progress = new Map((await this.db.selectFrom('campaign_contacts').selectAll().where('campaign_id', '=', campaignId).where('instance', '=', instance).execute()).map((p) => [p.contact_id, p]));
    return rows.map((row, order) => {
      const p = progress.get(row.id);
      const state = (p?.state ?? 'pool') as ContactState;
      return {
        row,
        contact: {
          id: row.id,
          campaignId,
          number: row.number,
          zones: JSON.parse(row.zones) as string[],
          order,
          attempts: p?.attempts ?? 0,
          nextAt: p?.next_at ?? 0,
          // A call or preview cut short by a restart: back in the pool.
          state: state === 'calling' || state === 'preview' ? 'pool' : state,
          ...(p?.last ? { last: p.last as Outcome } : {}),
        },
      };
    });
  }

  async saveProgress(campaignId: string, instance: number, k: Pick<Contact, 'id' | 'attempts' | 'nextAt' | 'state' | 'last'>, now: number): Promise<void> {
    const values = { instance, attempts: k.attempts, next_at: k.nextAt, state: k.state, last: k.last ?? null, updated_at: now };
    await this.db
      .insertInto('campaign_contacts')
      .values({ campaign_id: campaignId, contact_id: k.id, ...values })
      .onConflict((oc) => oc.columns(['campaign_id', 'contact_id']).doUpdateSet(values))
      .execute();
  }

  async addAttempt(a: { campaignId: string; instance: number; contactId: string; callId?: string; number: string; outcome: Outcome; at: number }): Promise<void> {
    await this.db.insertInto('campaign_attempts').values({ campaign_id: a.campaignId, instance: a.instance, contact_id: a.contactId, call_id: a.callId ?? null, number: a.number, outcome: a.outcome, at: a.at }).execute();
  }

  /** The campaign a call was placed for (its attempt), if any. */
  async campaignOfCall(callId: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('campaign_attempts').select('campaign_id').where('call_id', '=', callId).limit(1).executeTakeFirst();
    return row?.campaign_id;
  }

  attempts(campaignId: string, limit = 1000) {
    return this.db.selectFrom('campaign_attempts').selectAll().where('campaign_id', '=', campaignId).orderBy('id', 'desc').limit(limit).execute();
  }

  /** Attempts by outcome in an instance. */
  async outcomes(campaignId: string, instance: number): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('campaign_attempts').select(['outcome', ({ fn }) => fn.countAll<number>().as('n')]).where('campaign_id', '=', campaignId).where('instance', '=', instance).groupBy('outcome').execute();
    return Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)]));
  }
}
