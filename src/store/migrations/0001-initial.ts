/**
 * The first schema. Column types differ only where the dialects differ: timestamps are
 * `timestamptz` in PostgreSQL and ISO 8601 text in SQLite; JSON is `jsonb` or text.
 * Never edit a migration that has shipped: add the next one.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialectName } from '../database.js';

export function initialSchema(dialect: SqlDialectName): Migration {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  const json = dialect === 'postgres' ? 'jsonb' : 'text';

  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('assignments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('due_at', timestamp)
        .addColumn('late_policy', json, (c) => c.notNull())
        .addColumn('max_submissions_per_hour', 'integer', (c) => c.check(sql`max_submissions_per_hour > 0`))
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('role', 'text', (c) =>
          c.notNull().check(sql`role in ('student', 'instructor', 'lms', 'worker', 'admin')`),
        )
        .addColumn('name', 'text', (c) => c.notNull())
        // Unique but optional: several NULLs are allowed in both dialects.
        .addColumn('student_id', 'text', (c) => c.unique())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('last_used_at', timestamp)
        .addColumn('revoked', 'boolean', (c) => c.notNull().defaultTo(false))
        .execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();

      await db.schema
        .createTable('blobs')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('submissions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('assignment_id', 'text', (c) => c.notNull().references('assignments.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('blob_hash', 'text', (c) => c.notNull().references('blobs.hash'))
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('queued', 'running', 'graded', 'failed')`),
        )
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('upload', 'lms', 'cli', 'import')`))
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .addColumn('enqueued_at', timestamp)
        .addColumn('error_message', 'text')
        .execute();
      // Listing by assignment or student, and the per-hour submission limit.
      await db.schema
        .createIndex('submissions_assignment_user')
        .on('submissions')
        .columns(['assignment_id', 'user_id', 'created_at'])
        .execute();
      await db.schema.createIndex('submissions_user').on('submissions').columns(['user_id', 'created_at']).execute();
      // The reconciler's scan for queued submissions not yet on the queue.
      await db.schema.createIndex('submissions_status').on('submissions').columns(['status', 'enqueued_at']).execute();

      await db.schema
        .createTable('results')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('submission_id', 'text', (c) => c.notNull().references('submissions.id').onDelete('cascade'))
        .addColumn('report', json, (c) => c.notNull())
        .addColumn('score', 'double precision', (c) => c.notNull())
        .addColumn('max_score', 'double precision', (c) => c.notNull())
        .addColumn('grader_version', 'text', (c) => c.notNull())
        .addColumn('is_current', 'boolean', (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('results_submission').on('results').columns(['submission_id', 'created_at']).execute();
      // The database's own guarantee of "exactly one current result per submission"
      // (PostgreSQL and SQLite >= 3.8 both have partial indexes); the store's transaction is the first.
      await db.schema
        .createIndex('results_one_current')
        .unique()
        .on('results')
        .column('submission_id')
        .where(sql.ref('is_current'), '=', sql.lit(true))
        .execute();
    },

    async down(db: Kysely<any>) {
      for (const table of ['results', 'submissions', 'blobs', 'api_tokens', 'users', 'assignments']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
