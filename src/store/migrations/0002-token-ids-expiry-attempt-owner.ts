/**
 * Tokens get a public id (to list and revoke them without the secret) and an optional
 * expiry; a submission remembers which token started its current attempt, so only that
 * worker can hand in its result.
 *
 * Existing tokens take the first 16 hex digits of their hash as id: the hash is of 256
 * random bits, so the prefix is unique and reveals nothing usable.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialectName } from '../database.js';

export const TOKEN_ID_HEX_DIGITS = 16;

export function tokenIdsExpiryAttemptOwner(dialect: SqlDialectName): Migration {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('api_tokens').addColumn('id', 'text').execute();
      await db.schema.alterTable('api_tokens').addColumn('expires_at', timestamp).execute();
      await sql`update api_tokens set id = substr(token_hash, 1, ${sql.lit(TOKEN_ID_HEX_DIGITS)})`.execute(db);
      await db.schema.createIndex('api_tokens_id').on('api_tokens').column('id').unique().execute();
      await db.schema.alterTable('submissions').addColumn('started_by', 'text').execute();
    },

    async down(db: Kysely<any>) {
      await db.schema.alterTable('submissions').dropColumn('started_by').execute();
      await db.schema.dropIndex('api_tokens_id').execute();
      await db.schema.alterTable('api_tokens').dropColumn('expires_at').execute();
      await db.schema.alterTable('api_tokens').dropColumn('id').execute();
    },
  };
}
