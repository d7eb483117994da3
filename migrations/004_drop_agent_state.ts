import type { Kysely } from 'kysely';

// Presence now lives in the router's snapshot (router_state), saved after every change.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('agent_state').ifExists().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agent_state')
    .addColumn('agent_id', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('presence', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
