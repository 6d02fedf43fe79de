/**
 * Migrations live in code (not in files found at run time), so a bundled or compiled
 * build carries them. Add a migration by adding an entry; names sort in the order they run.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { PlatformError } from '../../errors.js';
import type { Database, SqlDialectName } from '../database.js';
import { initialSchema } from './0001-initial.js';
import { lmsSchema } from './0003-lms.js';
import { tokenIdsExpiryAttemptOwner } from './0002-token-ids-expiry-attempt-owner.js';

export function migrationsFor(dialect: SqlDialectName): Record<string, Migration> {
  return {
    '0001-initial': initialSchema(dialect),
    '0002-token-ids-expiry-attempt-owner': tokenIdsExpiryAttemptOwner(dialect),
    '0003-lms': lmsSchema(dialect),
  };
}

class CodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: SqlDialectName) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return migrationsFor(this.dialect);
  }
}

/**
 * Brings the schema up to date and returns the names of the migrations it applied
 * (none when already current). Safe to run from several processes at once: Kysely's
 * migrator takes a lock (an advisory lock on PostgreSQL).
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialectName): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new CodeMigrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const which = failed === undefined ? '' : ` ${failed}`;
    const detail = error instanceof Error ? error.message : String(error);
    throw new PlatformError('MIGRATION_FAILED', `database migration${which} failed: ${detail}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
