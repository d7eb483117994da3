import type { Kysely } from 'kysely';

// After the call: each agent's work on a call they handled (disposition, notes, tags, the script's answers), and every
// agent state change with its time (for the agent activity report).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('call_work')
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text')
    .addColumn('disposition', 'text')
    .addColumn('notes', 'text')
    .addColumn('tags', 'text')
    .addColumn('required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('wrap_up_ms', 'bigint')
    // The call script's run: the step, the path taken, the answers (JSON).
    .addColumn('script', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('call_work_pk', ['call_id', 'agent_id'])
    .execute();
  await db.schema.createIndex('call_work_agent').on('call_work').columns(['agent_id', 'updated_at']).execute();
  await db.schema
    .createTable('agent_states')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('presence', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('agent_states_agent_at').on('agent_states').columns(['agent_id', 'at']).execute();
  // Time in each status per agent and local day, added to as each status ends: the agent activity report reads this.
  await db.schema
    .createTable('agent_status_days')
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_status_days_pk', ['agent_id', 'day', 'status'])
    .execute();
  await db.schema.createIndex('agent_status_days_day').on('agent_status_days').column('day').execute();
  await db.schema.createIndex('call_events_type_at').on('call_events').columns(['type', 'at']).execute();
  // A contact's properties (JSON object), shown and updated on the contact card; their calls by number.
  await db.schema.alterTable('contacts').addColumn('properties', 'text').execute();
  await db.schema.createIndex('calls_caller_number').on('calls').columns(['caller_number', 'arrived_at']).execute();
  // The reports filter calls by queue or agent over a date range.
  await db.schema.createIndex('calls_queue_arrived').on('calls').columns(['queue_id', 'arrived_at']).execute();
  await db.schema.createIndex('calls_agent_arrived').on('calls').columns(['agent_id', 'arrived_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('calls_agent_arrived').execute();
  await db.schema.dropIndex('calls_queue_arrived').execute();
  await db.schema.dropIndex('call_events_type_at').execute();
  await db.schema.dropIndex('calls_caller_number').execute();
  await db.schema.alterTable('contacts').dropColumn('properties').execute();
  await db.schema.dropTable('agent_status_days').execute();
  await db.schema.dropTable('agent_states').execute();
  await db.schema.dropTable('call_work').execute();
}
