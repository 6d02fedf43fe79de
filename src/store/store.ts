/**
 * The store: every SQL statement of the service lives here, behind small typed methods.
 * One implementation runs on SQLite (embedded default) and PostgreSQL (`databaseUrl`).
 *
 * Errors: a missing row a caller named, or input that breaks a rule, is a `UsageError`
 * (code `*_NOT_FOUND`, `BAD_INPUT`, `REPORT_MISMATCH`); anything the database itself
 * failed at is a `PlatformError` (code `DATABASE_ERROR`, `MIGRATION_FAILED`), worth a retry.
 *
 * Upload order for "nothing is lost" (DESIGN.md section 3): `BlobStore.put` (durable on disk),
 * then `createSubmission` (durable row, status `queued`), then answer 202, then enqueue the job
 * (BullMQ jobId = submission id, so a second enqueue is a no-op) and `markEnqueued`.
 * A crash between the row and the queue is repaired by a reconciler that enqueues
 * `submissionsToEnqueue(olderThan)`; a job Redis lost later is found through
 * `submissionsInFlight(olderThan)`.
 */
import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely, UpdateObject } from 'kysely';
import { z } from 'zod';
import type { Config } from '../config.js';
import { coerceError, isAutograderError, PlatformError, UsageError } from '../errors.js';
import { GradeReportSchema, type GradeReport } from '../grading/report.js';
import type { Logger } from '../logger.js';
import { connect, type Database, type SqlDialectName } from './database.js';
import { migrateToLatest } from './migrations/index.js';
import {
  AssignmentRowSchema,
  CountRowSchema,
  LatePolicySchema,
  ResultRowSchema,
  RoleSchema,
  SubmissionRowSchema,
  SubmissionSourceSchema,
  SubmissionStatusSchema,
  UserRowSchema,
  type Assignment,
  type StoredResult,
  type Submission,
  type User,
} from './rows.js';
import { AttemptRepository } from './attempt-repository.js';
import { LmsRepository } from './lms-repository.js';
import { TokenRepository, type AuthenticatedToken, type IssuedToken } from './token-repository.js';

export const NewUserSchema = z.object({
  role: RoleSchema,
  name: z.string().trim().min(1).max(200),
  /** The university's student number (or the LMS's user id); unique when set. */
  studentId: z.string().trim().min(1).max(100).nullish(),
});
export type NewUser = z.input<typeof NewUserSchema>;

export const AssignmentInputSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lowercase letters, digits and dashes'),
  /** Hash of the definition and its data: results name the version they were graded with. */
  version: z.string().min(1).max(200),
  title: z.string().min(1).max(500),
  dueAt: z.date().nullish(),
  /** @defaultValue { kind: 'accept' } */
  latePolicy: LatePolicySchema.default({ kind: 'accept' }),
  /** Null or absent: no limit. */
  maxSubmissionsPerHour: z.number().int().positive().nullish(),
});
export type AssignmentInput = z.input<typeof AssignmentInputSchema>;

export const NewSubmissionSchema = z.object({
  assignmentId: z.string().min(1),
  userId: z.string().min(1),
  /** The name the student gave the upload, for display only (never a path on disk). */
  fileName: z.string().min(1).max(255),
  /** What `BlobStore.put` returned for the upload's bytes. */
  blob: z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }),
  source: SubmissionSourceSchema,
  /**
   * The per-hour limit, checked in the same transaction as the insert (the user's row is
   * locked first), so concurrent uploads cannot all pass a count read before any insert.
   * Absent: no limit.
   */
  limit: z.object({ max: z.number().int().positive(), since: z.date() }).optional(),
});
export type NewSubmission = z.input<typeof NewSubmissionSchema>;

/** `createSubmission` refused: the user already has `limit.max` submissions since `limit.since`. */
export class SubmissionLimitError extends UsageError {
  constructor(readonly max: number) {
    super('TOO_MANY_SUBMISSIONS', `at most ${max} submission${max === 1 ? '' : 's'} per hour are accepted from each student`);
    this.name = 'SubmissionLimitError';
  }
}

export const SubmissionFilterSchema = z.object({
  assignmentId: z.string().optional(),
  userId: z.string().optional(),
  status: SubmissionStatusSchema.optional(),
  /** @defaultValue 1000 */
  limit: z.number().int().positive().max(10_000).default(1000),
});
export type SubmissionFilter = z.input<typeof SubmissionFilterSchema>;

export interface StoreOptions {
  /** The clock every timestamp comes from; tests pass their own. @defaultValue () => new Date() */
  now?: () => Date;
  logger?: Logger;
}

type SubmissionChanges = (eb: ExpressionBuilder<Database, 'submissions'>) => UpdateObject<Database, 'submissions'>;

/** Error messages end up in a column shown to instructors; a stack trace of megabytes does not. */
const MAX_ERROR_MESSAGE_CHARS = 4000;

/**
 * Opens the database `config` names (SQLite file `<dataDir>/autograder.sqlite` when
 * `databaseUrl` is empty) and brings its schema up to date. Call `close()` when done.
 * SQLite: open one Store per process (it holds the one connection all calls share).
 */
export async function openStore(
  config: Pick<Config, 'dataDir' | 'databaseUrl'>,
  options: StoreOptions = {},
): Promise<Store> {
  const connection = connect(config, options.logger);
  const store = new Store(connection.db, connection.dialect, connection.location, options.now ?? (() => new Date()));
  try {
    const applied = await store.migrate();
    if (applied.length > 0) options.logger?.info({ applied, database: connection.location }, 'database migrated');
  } catch (e) {
    await connection.db.destroy();
    if (isAutograderError(e) && e.code === 'MIGRATION_FAILED' && isConnectionRefused(e.cause)) {
      throw new PlatformError(
        'DATABASE_UNAVAILABLE',
        `cannot reach the database at ${connection.location}: ${coerceError(e.cause).message}; is PostgreSQL running?`,
        { cause: e },
      );
    }
    throw e;
  }
  return store;
}

function isConnectionRefused(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH';
}

export class Store {
  /** @internal use `openStore` */
  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: SqlDialectName,
    /** Where the data lives, without credentials. */
    readonly location: string,
    private readonly now: () => Date,
  ) {}

  /** Applies pending migrations; returns their names (empty when the schema is current). */
  async migrate(): Promise<string[]> {
    return migrateToLatest(this.db, this.dialect);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  // ---- users and tokens ----

  async createUser(input: NewUser): Promise<User> {
    const user = parseInput(NewUserSchema, input, 'user');
    return this.guard('createUser', async () => {
      if (user.studentId != null && (await this.findUserByStudentId(user.studentId)) !== undefined) {
        throw new UsageError('STUDENT_ID_TAKEN', `a user with student id ${user.studentId} exists already`);
      }
      const row = await this.db
        .insertInto('users')
        .values({ id: randomUUID(), role: user.role, name: user.name, student_id: user.studentId ?? null, created_at: this.now() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return UserRowSchema.parse(row);
    });
  }

  async getUser(id: string): Promise<User | undefined> {
    return this.guard('getUser', async () => {
      const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : UserRowSchema.parse(row);
    });
  }

  async findUserByStudentId(studentId: string): Promise<User | undefined> {
    return this.guard('findUserByStudentId', async () => {
      const row = await this.db.selectFrom('users').selectAll().where('student_id', '=', studentId).executeTakeFirst();
      return row === undefined ? undefined : UserRowSchema.parse(row);
    });
  }

  /**
   * Issues a new API token for the user and returns it. This is the only time the token
   * exists in plaintext: show it once; the store keeps only its sha256.
   */
  async createToken(userId: string, options: { expiresAt?: Date | null } = {}): Promise<string> {
    return (await this.issueToken(userId, options)).token;
  }

  /** Like `createToken`, also answering the token's public id and expiry. */
  async issueToken(userId: string, options: { expiresAt?: Date | null } = {}): Promise<IssuedToken> {
    return this.guard('issueToken', async () => {
      if ((await this.getUser(userId)) === undefined) throw notFound('USER_NOT_FOUND', 'user', userId);
      return this.tokens.issue(userId, options);
    });
  }

  /** The user a bearer token belongs to; undefined for unknown, malformed, revoked or expired tokens. */
  async authenticate(token: string): Promise<User | undefined> {
    return (await this.authenticateToken(token))?.user;
  }

  /** The user and the token's public id (workers are tied to the attempts they start by it). */
  async authenticateToken(token: string): Promise<AuthenticatedToken | undefined> {
    return this.guard('authenticate', () => this.tokens.authenticate(token));
  }

  /** Revokes the token; false when there was no such token. */
  async revokeToken(token: string): Promise<boolean> {
    return this.guard('revokeToken', () => this.tokens.revoke(token));
  }

  /** Tokens (list, revoke by id): see token-repository.ts. */
  get tokens(): TokenRepository {
    return (this.tokenRepository ??= new TokenRepository(this.db, this.now));
  }

  /** Which worker token started a submission's attempt: see attempt-repository.ts. */
  get attempts(): AttemptRepository {
    return (this.attemptRepository ??= new AttemptRepository(this.db, this.now));
  }

  /** LMS integrations, mapped ids and score deliveries: see lms-repository.ts. */
  get lms(): LmsRepository {
    return (this.lmsRepository ??= new LmsRepository(this.db, this.now));
  }

  private lmsRepository: LmsRepository | undefined;
  private tokenRepository: TokenRepository | undefined;
  private attemptRepository: AttemptRepository | undefined;

  // ---- assignments ----

  /** Creates the assignment or replaces its version, title, deadline and limits. */
  async upsertAssignment(input: AssignmentInput): Promise<Assignment> {
    const a = parseInput(AssignmentInputSchema, input, 'assignment');
    return this.guard('upsertAssignment', async () => {
      const now = this.now();
      const changes = {
        version: a.version,
        title: a.title,
        due_at: a.dueAt ?? null,
        late_policy: JSON.stringify(a.latePolicy),
        max_submissions_per_hour: a.maxSubmissionsPerHour ?? null,
        updated_at: now,
      };
      const row = await this.db
        .insertInto('assignments')
        .values({ id: a.id, created_at: now, ...changes })
        .onConflict((oc) => oc.column('id').doUpdateSet(changes))
        .returningAll()
        .executeTakeFirstOrThrow();
      return AssignmentRowSchema.parse(row);
    });
  }

  async getAssignment(id: string): Promise<Assignment | undefined> {
    return this.guard('getAssignment', async () => {
      const row = await this.db.selectFrom('assignments').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : AssignmentRowSchema.parse(row);
    });
  }

  /** All assignments, ordered by id. */
  async listAssignments(): Promise<Assignment[]> {
    return this.guard('listAssignments', async () => {
      const rows = await this.db.selectFrom('assignments').selectAll().orderBy('id').execute();
      return rows.map((r) => AssignmentRowSchema.parse(r));
    });
  }

  // ---- submissions ----

  /**
   * Records an accepted upload as a `queued` submission (and its blob row) in one transaction.
   * Put the bytes in the BlobStore first.
   */
  async createSubmission(input: NewSubmission): Promise<Submission> {
    const s = parseInput(NewSubmissionSchema, input, 'submission');
    return this.guard('createSubmission', () =>
      this.db.transaction().execute(async (trx) => {
        const now = this.now();
        // A write first: on SQLite it takes the write lock (waiting out another process),
        // where a read first could fail at once with SQLITE_BUSY_SNAPSHOT in WAL mode.
        await trx
          .insertInto('blobs')
          .values({ hash: s.blob.hash, size: s.blob.size, created_at: now })
          .onConflict((oc) => oc.column('hash').doNothing())
          .execute();
        const assignment = await trx.selectFrom('assignments').select('id').where('id', '=', s.assignmentId).executeTakeFirst();
        if (assignment === undefined) throw notFound('ASSIGNMENT_NOT_FOUND', 'assignment', s.assignmentId);
        // FOR UPDATE on PostgreSQL serialises one user's concurrent uploads until commit, so
        // the count below sees every earlier insert. SQLite needs no lock: the write above
        // already holds the database's single write lock.
        const user = await trx
          .selectFrom('users')
          .select('id')
          .where('id', '=', s.userId)
          .$if(s.limit !== undefined && this.dialect === 'postgres', (q) => q.forUpdate())
          .executeTakeFirst();
        if (user === undefined) throw notFound('USER_NOT_FOUND', 'user', s.userId);
        if (s.limit !== undefined) {
          const recent = await trx
            .selectFrom('submissions')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('user_id', '=', s.userId)
            .where('assignment_id', '=', s.assignmentId)
            .where('created_at', '>=', s.limit.since)
            .executeTakeFirstOrThrow();
          if (CountRowSchema.parse(recent).n >= s.limit.max) throw new SubmissionLimitError(s.limit.max);
        }
        const row = await trx
          .insertInto('submissions')
          .values({
            id: randomUUID(),
            assignment_id: s.assignmentId,
            user_id: s.userId,
            file_name: s.fileName,
            blob_hash: s.blob.hash,
            status: 'queued',
            attempts: 0,
            source: s.source,
            created_at: now,
            updated_at: now,
            enqueued_at: null,
            error_message: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return SubmissionRowSchema.parse(row);
      }),
    );
  }

  async getSubmission(id: string): Promise<Submission | undefined> {
    return this.guard('getSubmission', async () => {
      const row = await this.db.selectFrom('submissions').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : SubmissionRowSchema.parse(row);
    });
  }

  /** Submissions matching every given filter, newest first. */
  async listSubmissions(filter: SubmissionFilter = {}): Promise<Submission[]> {
    const f = parseInput(SubmissionFilterSchema, filter, 'submission filter');
    return this.guard('listSubmissions', async () => {
      const rows = await this.db
        .selectFrom('submissions')
        .selectAll()
        .$if(f.assignmentId !== undefined, (q) => q.where('assignment_id', '=', f.assignmentId!))
        .$if(f.userId !== undefined, (q) => q.where('user_id', '=', f.userId!))
        .$if(f.status !== undefined, (q) => q.where('status', '=', f.status!))
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(f.limit)
        .execute();
      return rows.map((r) => SubmissionRowSchema.parse(r));
    });
  }

  /** Submissions the user made for the assignment at or after `since` (the per-hour limit). */
  async countRecentSubmissions(userId: string, assignmentId: string, since: Date): Promise<number> {
    return this.guard('countRecentSubmissions', async () => {
      const row = await this.db
        .selectFrom('submissions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', userId)
        .where('assignment_id', '=', assignmentId)
        .where('created_at', '>=', since)
        .executeTakeFirstOrThrow();
      return CountRowSchema.parse(row).n;
    });
  }

  /** The grading job for this submission is confirmed on the queue. */
  async markEnqueued(id: string): Promise<Submission> {
    return this.updateSubmission('markEnqueued', id, () => ({ enqueued_at: this.now() }));
  }

  /**
   * Queued submissions whose job was never confirmed on the queue and that have not
   * changed since `olderThan` (so an upload still being enqueued is left alone), oldest first.
   */
  async submissionsToEnqueue(olderThan: Date, limit = 100): Promise<Submission[]> {
    return this.guard('submissionsToEnqueue', async () => {
      const rows = await this.db
        .selectFrom('submissions')
        .selectAll()
        .where('status', '=', 'queued')
        .where('enqueued_at', 'is', null)
        .where('updated_at', '<=', olderThan)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => SubmissionRowSchema.parse(r));
    });
  }

  /**
   * Submissions the queue has (or had) a job for and that have not changed since `olderThan`:
   * `queued` ones whose job was confirmed, and `running` ones. Ordered by `updated_at`, then
   * id; pass the last one of a page as `after` for the next (the reconciler pages through
   * them all, so a backlog of healthy old jobs cannot hide a lost one behind it).
   */
  async submissionsInFlight(olderThan: Date, limit = 100, after?: { updatedAt: Date; id: string }): Promise<Submission[]> {
    return this.guard('submissionsInFlight', async () => {
      const rows = await this.db
        .selectFrom('submissions')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'queued'), eb('enqueued_at', 'is not', null)]),
            eb('status', '=', 'running'),
          ]),
        )
        .where('updated_at', '<=', olderThan)
        .$if(after !== undefined, (q) =>
          q.where((eb) =>
            eb.or([
              eb('updated_at', '>', after!.updatedAt),
              eb.and([eb('updated_at', '=', after!.updatedAt), eb('id', '>', after!.id)]),
            ]),
          ),
        )
        .orderBy('updated_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => SubmissionRowSchema.parse(r));
    });
  }

  /** A worker started grading: status `running`, one more attempt. */
  async markRunning(id: string): Promise<Submission> {
    return this.updateSubmission('markRunning', id, (eb) => ({
      status: 'running',
      attempts: eb('attempts', '+', 1),
      updated_at: this.now(),
    }));
  }

  /**
   * Grading gave up for a platform or grader reason (not a student error: those are
   * results with `gradable: false`). Earlier results stay; the current one stays current.
   */
  async markFailed(id: string, message: string): Promise<Submission> {
    return this.updateSubmission('markFailed', id, () => ({
      status: 'failed',
      error_message: message.slice(0, MAX_ERROR_MESSAGE_CHARS),
      updated_at: this.now(),
    }));
  }

  /**
   * Puts a submission back in the queue (a regrade): status `queued`, not yet enqueued.
   * Its results stay; the next `recordResult` becomes current.
   */
  async requeueSubmission(id: string): Promise<Submission> {
    return this.updateSubmission('requeueSubmission', id, () => ({
      status: 'queued',
      enqueued_at: null,
      error_message: null,
      updated_at: this.now(),
    }));
  }

  // ---- results ----

  /**
   * Stores a grade report as the submission's current result and marks the submission
   * `graded`, in one transaction: earlier results stay as history but are no longer current.
   * Concurrent calls for one submission serialise on the submission row; the last to
   * commit is current. The report must name this submission and its assignment.
   */
  async recordResult(submissionId: string, report: GradeReport): Promise<StoredResult> {
    const parsed = GradeReportSchema.safeParse(report);
    if (!parsed.success) {
      throw new UsageError('BAD_REPORT', `the grade report does not match the GradeReport schema: ${describeIssues(parsed.error)}`);
    }
    const r = parsed.data;
    if (r.submission.id !== submissionId) {
      throw new UsageError(
        'REPORT_MISMATCH',
        `the report is for submission ${r.submission.id}, not ${submissionId}; send it to its own submission`,
      );
    }
    return this.guard('recordResult', () =>
      this.db.transaction().execute(async (trx) => {
        const now = this.now();
        // Updating the submission first takes its row lock (PostgreSQL) or the write lock
        // (SQLite), so concurrent recordResult calls for it run one after the other.
        const submission = await trx
          .updateTable('submissions')
          .set({ status: 'graded', error_message: null, updated_at: now })
          .where('id', '=', submissionId)
          .returning(['id', 'assignment_id'])
          .executeTakeFirst();
        if (submission === undefined) throw notFound('SUBMISSION_NOT_FOUND', 'submission', submissionId);
        if (submission.assignment_id !== r.assignment.id) {
          throw new UsageError(
            'REPORT_MISMATCH',
            `the report grades assignment ${r.assignment.id}, but submission ${submissionId} is for ${submission.assignment_id}`,
          );
        }
        await trx
          .updateTable('results')
          .set({ is_current: false })
          .where('submission_id', '=', submissionId)
          .where('is_current', '=', true)
          .execute();
        const row = await trx
          .insertInto('results')
          .values({
            id: randomUUID(),
            submission_id: submissionId,
            report: JSON.stringify(r),
            score: r.score,
            max_score: r.maxScore,
            grader_version: r.environment.graderVersion,
            is_current: true,
            created_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return ResultRowSchema.parse(row);
      }),
    );
  }

  async getCurrentResult(submissionId: string): Promise<StoredResult | undefined> {
    return this.guard('getCurrentResult', async () => {
      const row = await this.db
        .selectFrom('results')
        .selectAll()
        .where('submission_id', '=', submissionId)
        .where('is_current', '=', true)
        .executeTakeFirst();
      return row === undefined ? undefined : ResultRowSchema.parse(row);
    });
  }

  /** Every result the submission ever got, oldest first (regrade history). */
  async listResults(submissionId: string): Promise<StoredResult[]> {
    return this.guard('listResults', async () => {
      const rows = await this.db
        .selectFrom('results')
        .selectAll()
        .where('submission_id', '=', submissionId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => ResultRowSchema.parse(r));
    });
  }

  /**
   * For instructor reports: every submission of the assignment, newest first, with its
   * current result (undefined while not graded).
   */
  async listSubmissionsWithResults(assignmentId: string): Promise<Array<{ submission: Submission; result: StoredResult | undefined }>> {
    return this.guard('listSubmissionsWithResults', async () => {
      const submissions = (
        await this.db
          .selectFrom('submissions')
          .selectAll()
          .where('assignment_id', '=', assignmentId)
          .orderBy('created_at', 'desc')
          .orderBy('id')
          .execute()
      ).map((r) => SubmissionRowSchema.parse(r));
      const results = (
        await this.db
          .selectFrom('results')
          .innerJoin('submissions', 'submissions.id', 'results.submission_id')
          .selectAll('results')
          .where('submissions.assignment_id', '=', assignmentId)
          .where('results.is_current', '=', true)
          .execute()
      ).map((r) => ResultRowSchema.parse(r));
      const bySubmission = new Map(results.map((r) => [r.submissionId, r]));
      return submissions.map((submission) => ({ submission, result: bySubmission.get(submission.id) }));
    });
  }

  // ---- helpers ----

  private async updateSubmission(operation: string, id: string, changes: SubmissionChanges): Promise<Submission> {
    return this.guard(operation, async () => {
      const row = await this.db.updateTable('submissions').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
      if (row === undefined) throw notFound('SUBMISSION_NOT_FOUND', 'submission', id);
      return SubmissionRowSchema.parse(row);
    });
  }

  /** Our own typed errors pass through; anything else the database threw becomes a PlatformError. */
  private async guard<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (isAutograderError(e)) throw e;
      throw new PlatformError(
        'DATABASE_ERROR',
        `store.${operation} failed on ${this.location}: ${coerceError(e).message}`,
        { cause: e },
      );
    }
  }
}

function notFound(code: string, what: string, id: string): UsageError {
  return new UsageError(code, `no ${what} with id ${JSON.stringify(id)}; check the id`);
}

function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new UsageError('BAD_INPUT', `invalid ${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}
