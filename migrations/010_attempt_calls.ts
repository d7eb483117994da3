import type { Kysely } from 'kysely';

// A campaign call's attempt by its call id: which campaign's dispositions the agent picks from, after a restart too.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('campaign_attempts_call').on('campaign_attempts').columns(['call_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('campaign_attempts_call').execute();
}
