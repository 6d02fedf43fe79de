/**
 * The SQL connection: one Kysely instance over SQLite (embedded default) or PostgreSQL,
 * chosen by `databaseUrl`. Queries are written once against `Database` and run on both.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type ColumnType, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../logger.js';

export type SqlDialectName = 'sqlite' | 'postgres';

/** Written as Date, read back as Date (PostgreSQL) or ISO text (SQLite); rows.ts normalises. */
type Timestamp = ColumnType<Date | string, Date, Date>;
type NullableTimestamp = ColumnType<Date | string | null, Date | null, Date | null>;
/** Written as boolean, read back as boolean (PostgreSQL) or 0/1 (SQLite). */
type Flag = ColumnType<boolean | number, boolean, boolean>;
/** Written as JSON text, read back parsed (jsonb) or as text (SQLite). */
type Json = ColumnType<unknown, string, string>;
/** PostgreSQL `bigint` arrives as a string. */
type BigCount = ColumnType<number | string, number, number>;

export interface AssignmentsTable {
  id: string;
  version: string;
  title: string;
  due_at: NullableTimestamp;
  late_policy: Json;
  max_submissions_per_hour: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: string;
  role: string;
  name: string;
  student_id: string | null;
  created_at: Timestamp;
}

export interface ApiTokensTable {
  /** sha256 hex of the token; the token itself is never stored. */
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked: Flag;
  /** Public id (migration 0002): names the token in lists, revocation and attempt ownership. */
  id: string | null;
  /** Null: never expires. */
  expires_at: NullableTimestamp;
}

export interface SubmissionsTable {
  id: string;
  assignment_id: string;
  user_id: string;
  file_name: string;
  blob_hash: string;
  status: string;
  attempts: number;
  source: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  enqueued_at: NullableTimestamp;
  error_message: string | null;
  /** Id of the token that started the current attempt (migration 0002). */
  started_by: string | null;
}

export interface ResultsTable {
  id: string;
  submission_id: string;
  report: Json;
  score: number;
  max_score: number;
  grader_version: string;
  is_current: Flag;
  created_at: Timestamp;
}

export interface BlobsTable {
  hash: string;
  size: BigCount;
  created_at: Timestamp;
}

export interface Database {
  assignments: AssignmentsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  submissions: SubmissionsTable;
  results: ResultsTable;
  blobs: BlobsTable;
}

export interface Connection {
  db: Kysely<Database>;
  dialect: SqlDialectName;
  /** Where the data lives, without credentials, for logs and errors. */
  location: string;
}

export const SQLITE_FILE_NAME = 'autograder.sqlite';

/** Opens the database `config` names; runs no migrations. */
export function connect(config: Pick<Config, 'dataDir' | 'databaseUrl'>, logger?: Logger): Connection {
  if (config.databaseUrl === '') return connectSqlite(join(config.dataDir, SQLITE_FILE_NAME));
  return connectPostgres(config.databaseUrl, logger);
}

function connectSqlite(file: string): Connection {
  mkdirSync(join(file, '..'), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  // WAL lets readers (report pages) run while a result is written; FULL keeps an accepted
  // upload's row across a power cut, which NORMAL does not promise in WAL mode.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Another process (CLI next to the API) may hold the write lock for a moment.
  sqlite.pragma('busy_timeout = 5000');
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withPortableParameters(sqlite) }) }),
    dialect: 'sqlite',
    location: file,
  };
}

function connectPostgres(url: string, logger?: Logger): Connection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new UsageError('BAD_DATABASE_URL', 'databaseUrl is not a URL; use postgres://user@host:5432/database', { cause });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new UsageError(
      'BAD_DATABASE_URL',
      `databaseUrl must start with postgres:// or postgresql:// (got ${parsed.protocol}//); leave it empty for SQLite`,
    );
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its server emits here; without a listener Node would crash the process.
  pool.on('error', (err) => logger?.error({ err }, 'idle PostgreSQL connection failed'));
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    dialect: 'postgres',
    location: `postgres://${parsed.host}${parsed.pathname}`,
  };
}

/**
 * better-sqlite3 binds only numbers, strings, bigints, buffers and null. The query layer
 * passes booleans and Dates (as node-postgres expects), so they are converted here:
 * booleans to 0/1, Dates to ISO 8601 text, which sorts chronologically as text.
 */
function withPortableParameters(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const convert = (parameters: ReadonlyArray<unknown>): unknown[] =>
    parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p instanceof Date ? p.toISOString() : p));
  return {
    close: () => sqlite.close(),
    prepare(sqlText) {
      const statement = sqlite.prepare(sqlText);
      return {
        reader: statement.reader,
        all: (parameters) => statement.all(convert(parameters)),
        run: (parameters) => statement.run(convert(parameters)),
        iterate: (parameters) => statement.iterate(convert(parameters)),
      };
    },
  };
}
