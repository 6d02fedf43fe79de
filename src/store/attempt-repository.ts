/**
 * Grading attempts: which worker token started a submission's current attempt. A result
 * or failure is accepted only from the token that started the attempt it names, so one
 * worker token cannot write grades for attempts it never ran.
 */
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { SubmissionRowSchema, type Submission } from './rows.js';

export class AttemptRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
  ) {}

  /** Counts one more attempt, marks the submission running and records who started it; undefined when there is no such submission. */
  async start(submissionId: string, tokenId: string): Promise<Submission | undefined> {
    const row = await this.db
      .updateTable('submissions')
      .set((eb) => ({ status: 'running', attempts: eb('attempts', '+', 1), started_by: tokenId, updated_at: this.now() }))
      .where('id', '=', submissionId)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : SubmissionRowSchema.parse(row);
  }

  /** The token id that started the current attempt; null when none was recorded (started before migration 0002). */
  async startedBy(submissionId: string): Promise<string | null | undefined> {
    const row = await this.db.selectFrom('submissions').select('started_by').where('id', '=', submissionId).executeTakeFirst();
    return row === undefined ? undefined : row.started_by;
  }
}
