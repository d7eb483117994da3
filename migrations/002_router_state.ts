import type { Kysely } from 'kysely';

// The router's state (presence, reasons, counters, affinity memory, calls in flight) across
// restarts, and the FreeSWITCH channels of each call so a restarted daemon can find them again.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('router_state')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('saved_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('calls').addColumn('caller_uuid', 'varchar(64)').execute();
  await db.schema.alterTable('calls').addColumn('agent_uuid', 'varchar(64)').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('calls').dropColumn('agent_uuid').execute();
  await db.schema.alterTable('calls').dropColumn('caller_uuid').execute();
  await db.schema.dropTable('router_state').execute();
}
