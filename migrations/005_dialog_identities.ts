import type { Kysely } from 'kysely';

// Each phone's dialog identity (JSON, src/sip/dialog-identity.ts): a restarted daemon probes and hangs up adopted calls with it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('calls').addColumn('caller_sip', 'text').execute();
  await db.schema.alterTable('calls').addColumn('agent_sip', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('calls').dropColumn('agent_sip').execute();
  await db.schema.alterTable('calls').dropColumn('caller_sip').execute();
}
