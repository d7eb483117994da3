import type { Kysely } from 'kysely';

// Portable DDL: kysely's schema builder, integer epoch-ms times, no SQLite-only types.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('calls')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('node_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('direction', 'varchar(16)', (c) => c.notNull())
    .addColumn('did', 'varchar(64)')
    .addColumn('caller_number', 'varchar(128)')
    .addColumn('caller_name', 'varchar(256)')
    .addColumn('queue_id', 'varchar(128)')
    .addColumn('agent_id', 'varchar(128)')
    .addColumn('arrived_at', 'bigint', (c) => c.notNull())
    .addColumn('answered_at', 'bigint')
    .addColumn('queued_at', 'bigint')
    .addColumn('offered_at', 'bigint')
    .addColumn('agent_answered_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('wait_ms', 'bigint')
    .addColumn('talk_ms', 'bigint')
    .addColumn('disposition', 'varchar(32)')
    .addColumn('hangup_cause', 'varchar(64)')
    .addColumn('hangup_side', 'varchar(16)')
    .addColumn('caller_rtp_in', 'bigint')
    .addColumn('caller_rtp_out', 'bigint')
    .addColumn('agent_rtp_in', 'bigint')
    .addColumn('agent_rtp_out', 'bigint')
    .execute();
  await db.schema.createIndex('calls_arrived_at').on('calls').column('arrived_at').execute();

  await db.schema
    .createTable('call_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('call_id', 'varchar(64)', (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('at', 'double precision', (c) => c.notNull()) // fractional ms: sub-ms latencies are measured from it
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('data', 'text')
    .execute();
  await db.schema.createIndex('call_events_call').on('call_events').columns(['call_id', 'at']).execute();

  await db.schema
    .createTable('registrations')
    .addColumn('aor', 'varchar(256)', (c) => c.notNull())
    .addColumn('contact', 'varchar(1024)', (c) => c.notNull())
    .addColumn('agent_id', 'varchar(128)')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('source', 'varchar(128)', (c) => c.notNull())
    .addColumn('transport', 'varchar(16)', (c) => c.notNull())
    .addColumn('user_agent', 'varchar(256)')
    .addColumn('registered_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('registrations_pk', ['aor', 'contact'])
    .execute();

  await db.schema
    .createTable('agent_state')
    .addColumn('agent_id', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('presence', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['agent_state', 'registrations', 'call_events', 'calls']) await db.schema.dropTable(t).execute();
}
