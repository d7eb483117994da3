import type { Kysely } from 'kysely';

// Transcription and voicemail: background jobs that outlive the process (transcribe a recording or a voicemail
// message, e-mail a message), the transcripts (speaker turns as JSON, and lower-case text for the search), and
// the voicemail messages left in the boxes with their new/heard state.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('last_error', 'text')
    // What the job works on, as JSON (the recording, the message).
    .addColumn('payload', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_status').on('jobs').columns(['status', 'due_at']).execute();
  await db.schema
    .createTable('transcripts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('call_id', 'text', (c) => c.notNull())
    // recording | live | voicemail
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('recording_id', 'text')
    .addColumn('engine', 'text', (c) => c.notNull())
    .addColumn('language', 'text')
    .addColumn('turns', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('audio_ms', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('transcripts_call').on('transcripts').columns(['call_id']).execute();
  await db.schema
    .createTable('voicemail_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('box_id', 'text', (c) => c.notNull())
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('caller_number', 'text')
    .addColumn('caller_name', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_ms', 'bigint', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    // new | heard
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('heard_at', 'bigint')
    .addColumn('heard_by', 'text')
    // pending | done | failed | off (no engine or the box does not transcribe)
    .addColumn('transcript_status', 'text', (c) => c.notNull())
    // pending | sent | failed | off (no recipients)
    .addColumn('email_status', 'text', (c) => c.notNull())
    .addColumn('email_error', 'text')
    .addColumn('emailed_at', 'bigint')
    .execute();
  await db.schema.createIndex('voicemail_box').on('voicemail_messages').columns(['box_id', 'received_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('voicemail_messages').execute();
  await db.schema.dropTable('transcripts').execute();
  await db.schema.dropTable('jobs').execute();
}
