import type { Kysely } from 'kysely';

// Outbound campaigns: contact lists and their contacts, do-not-call lists, campaigns (their settings as JSON), each
// contact's progress in a campaign, and every attempt.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('contact_lists')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('list_contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('list_id', 'text', (c) => c.notNull().references('contact_lists.id').onDelete('cascade'))
    // The CSV row it came from (1 is the first after the header).
    .addColumn('row', 'integer', (c) => c.notNull())
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    // JSON: the zones the contact may be in (one when known).
    .addColumn('zones', 'text', (c) => c.notNull())
    .addColumn('properties', 'text')
    .execute();
  await db.schema.createIndex('list_contacts_list_row').on('list_contacts').columns(['list_id', 'row']).execute();
  await db.schema
    .createTable('dnc_lists')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('dnc_numbers')
    .addColumn('list_id', 'text', (c) => c.notNull().references('dnc_lists.id').onDelete('cascade'))
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    // api, import, disposition, ivr
    .addColumn('source', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dnc_numbers_pk', ['list_id', 'number'])
    .execute();
  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // JSON: everything the campaign's API body says.
    .addColumn('settings', 'text', (c) => c.notNull())
    // ready | active | paused | completed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('instance', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('campaign_contacts')
    .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('instance', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('last', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_contacts_pk', ['campaign_id', 'contact_id'])
    .execute();
  await db.schema
    .createTable('campaign_attempts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('instance', 'integer', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text')
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('campaign_attempts_campaign').on('campaign_attempts').columns(['campaign_id', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['campaign_attempts', 'campaign_contacts', 'campaigns', 'dnc_numbers', 'dnc_lists', 'list_contacts', 'contact_lists']) await db.schema.dropTable(t).execute();
}
