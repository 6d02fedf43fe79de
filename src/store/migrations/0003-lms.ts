/**
 * LMS integrations (issue 10): who may post submissions in (a shared secret, encrypted at
 * rest), how LMS users and submission ids map onto ours, the score deliveries back with a
 * log of every attempt, and the key our LTI client assertions are signed with.
 * Never edit a migration that has shipped: add the next one.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialectName } from '../database.js';

export function lmsSchema(dialect: SqlDialectName): Migration {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  const json = dialect === 'postgres' ? 'jsonb' : 'text';

  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('lms_integrations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        /** AES-256-GCM of the shared HMAC secret; the HMAC needs the secret itself, so no hash. */
        .addColumn('secret_enc', 'text', (c) => c.notNull())
        .addColumn('allow_hosts', json, (c) => c.notNull())
        .addColumn('allow_private', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('score_webhook', 'text')
        .addColumn('lti', json)
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('lms_users')
        .addColumn('integration_id', 'text', (c) => c.notNull().references('lms_integrations.id').onDelete('cascade'))
        .addColumn('lms_user_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint('lms_users_pk', ['integration_id', 'lms_user_id'])
        .execute();

      await db.schema
        .createTable('lms_submissions')
        .addColumn('integration_id', 'text', (c) => c.notNull().references('lms_integrations.id').onDelete('cascade'))
        .addColumn('lms_submission_id', 'text', (c) => c.notNull())
        // Null while the webhook that claimed this id is still storing the upload.
        .addColumn('submission_id', 'text', (c) => c.references('submissions.id').onDelete('cascade'))
        .addColumn('lms_user_id', 'text', (c) => c.notNull())
        .addColumn('line_item', 'text')
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addPrimaryKeyConstraint('lms_submissions_pk', ['integration_id', 'lms_submission_id'])
        .execute();
      await db.schema.createIndex('lms_submissions_submission').on('lms_submissions').column('submission_id').execute();

      await db.schema
        .createTable('lms_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('submission_id', 'text', (c) => c.notNull().references('submissions.id').onDelete('cascade'))
        .addColumn('result_id', 'text', (c) => c.notNull().references('results.id').onDelete('cascade'))
        .addColumn('integration_id', 'text', (c) => c.notNull().references('lms_integrations.id').onDelete('cascade'))
        .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('ags', 'webhook')`))
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'delivered', 'failed')`))
        /** The AGS timestamp, fixed when the delivery is created so every retry sends the same Score. */
        .addColumn('score_timestamp', timestamp, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .addColumn('delivered_at', timestamp)
        .execute();
      // Exactly one delivery per (result, channel): the idempotency key of a score change.
      await db.schema.createIndex('lms_deliveries_result_channel').unique().on('lms_deliveries').columns(['result_id', 'channel']).execute();
      await db.schema.createIndex('lms_deliveries_submission').on('lms_deliveries').columns(['submission_id', 'created_at']).execute();
      await db.schema.createIndex('lms_deliveries_status').on('lms_deliveries').columns(['status', 'updated_at']).execute();

      await db.schema
        .createTable('lms_delivery_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('delivery_id', 'text', (c) => c.notNull().references('lms_deliveries.id').onDelete('cascade'))
        .addColumn('at', timestamp, (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('delivered', 'retry', 'failed')`))
        .addColumn('http_status', 'integer')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('lms_delivery_events_delivery').on('lms_delivery_events').columns(['delivery_id', 'at']).execute();

      await db.schema
        .createTable('lms_signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('private_enc', 'text', (c) => c.notNull())
        .addColumn('public_jwk', json, (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<any>) {
      for (const table of ['lms_signing_keys', 'lms_delivery_events', 'lms_deliveries', 'lms_submissions', 'lms_users', 'lms_integrations']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
