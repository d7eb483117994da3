import type { Kysely } from 'kysely';

// Working a live call: holds on the call record, the voicemail drop, the recordings' index, agents' desk settings.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('calls').addColumn('holds', 'integer').execute();
  await db.schema.alterTable('calls').addColumn('hold_ms', 'bigint').execute();
  await db.schema.alterTable('calls').addColumn('voicemail_drop', 'text').execute();
  await db.schema.alterTable('calls').addColumn('voicemail_dropped_at', 'bigint').execute();
  await db.schema.alterTable('calls').addColumn('voicemail_finished_at', 'bigint').execute();
  await db.schema
    .createTable('recordings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('segment', 'integer', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    .addColumn('queue_id', 'text')
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('recordings_call').on('recordings').column('call_id').execute();
  await db.schema.createIndex('recordings_expiry').on('recordings').column('expires_at').execute();
  await db.schema
    .createTable('agent_settings')
    .addColumn('agent_id', 'text', (c) => c.primaryKey())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('agent_settings').execute();
  await db.schema.dropTable('recordings').execute();
  for (const c of ['holds', 'hold_ms', 'voicemail_drop', 'voicemail_dropped_at', 'voicemail_finished_at']) await db.schema.alterTable('calls').dropColumn(c).execute();
}
