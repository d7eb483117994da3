/**
 * Transcription's rows through kysely (portable SQL: no SQLite-only search):
 * the background jobs (src/core/jobs/queue.ts decides, these rows remember),
 * the transcripts, and the voicemail messages.
 */
import { sql } from 'kysely';
import { searchWords } from '../core/stt/speakers.js';
import type { Db } from './db.js';
import type { JobTable, TranscriptTable, VoicemailMessageTable } from './tables.js';

export type JobRow = JobTable;
export type TranscriptRow = TranscriptTable;
export type VoicemailRow = VoicemailMessageTable;

export class TranscriptStore {
  constructor(private readonly db: Db) {}

  // --- jobs

  /** A new job (its id is its identity: adding it twice keeps the first). */
  async addJob(row: JobRow): Promise<void> {
    await this.db.insertInto('jobs').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  async saveJob(row: Omit<JobRow, 'payload' | 'created_at' | 'kind'> & Partial<Pick<JobRow, 'payload' | 'created_at' | 'kind'>>): Promise<void> {
    const { id, ...rest } = row;
    await this.db.updateTable('jobs').set(rest).where('id', '=', id).execute();
  }

  /** Every job not finished, and the finished ones since `since` (for the counts after a restart). */
  jobs(since: number): Promise<JobRow[]> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where((eb) => eb.or([eb('status', 'in', ['pending', 'running']), eb('finished_at', '>=', since)]))
      .orderBy('created_at')
      .execute();
  }

  job(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async deleteJobs(ids: string[]): Promise<void> {
    if (ids.length) await this.db.deleteFrom('jobs').where('id', 'in', ids).execute();
  }

  // --- transcripts

  async putTranscript(row: TranscriptRow): Promise<void> {
    await this.db
      .insertInto('transcripts')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet({ turns: row.turns, text: row.text, engine: row.engine, language: row.language, audio_ms: row.audio_ms, created_at: row.created_at }))
      .execute();
  }

  transcripts(callId: string): Promise<TranscriptRow[]> {
    return this.db.selectFrom('transcripts').selectAll().where('call_id', '=', callId).orderBy('created_at').execute();
  }

  /** Transcripts holding every word of `query` (at least one word), newest first. */
  async search(query: string, limit: number): Promise<TranscriptRow[]> {
    const words = searchWords(query).split(' ').filter(Boolean);
    if (!words.length) return [];
    let q = this.db.selectFrom('transcripts').selectAll().orderBy('created_at', 'desc').limit(limit);
    // Whole words: the stored text has single spaces between words, and a space is added at both ends.
    for (const w of words) q = q.where(sql<string>`' ' || text || ' '`, 'like', `% ${w} %`);
    return q.execute();
  }

  // --- voicemail

  async addMessage(row: VoicemailRow): Promise<void> {
    await this.db.insertInto('voicemail_messages').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  message(id: string): Promise<VoicemailRow | undefined> {
    return this.db.selectFrom('voicemail_messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  messages(boxes: string[], limit: number): Promise<VoicemailRow[]> {
    if (!boxes.length) return Promise.resolve([]);
    return this.db.selectFrom('voicemail_messages').selectAll().where('box_id', 'in', boxes).orderBy('received_at', 'desc').limit(limit).execute();
  }

  /** New and total messages per box. */
  async messageCounts(boxes: string[]): Promise<Map<string, { new: number; total: number }>> {
    const out = new Map<string, { new: number; total: number }>();
    if (!boxes.length) return out;
    const rows = await this.db.selectFrom('voicemail_messages').select(['box_id', 'status', (eb) => eb.fn.countAll<number>().as('n')]).where('box_id', 'in', boxes).groupBy(['box_id', 'status']).execute();
    for (const r of rows) {
      const c = out.get(r.box_id) ?? { new: 0, total: 0 };
      c.total += Number(r.n);
      if (r.status === 'new') c.new += Number(r.n);
      out.set(r.box_id, c);
    }
    return out;
  }

  async updateMessage(id: string, patch: Partial<Omit<VoicemailRow, 'id'>>): Promise<void> {
    await this.db.updateTable('voicemail_messages').set(patch).where('id', '=', id).execute();
  }
}
