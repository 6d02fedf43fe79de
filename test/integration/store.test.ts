/**
 * The store against the real databases: the same suite on SQLite (a temp directory) and
 * PostgreSQL (a database created for this file and dropped after it). With CI=true an
 * unreachable PostgreSQL fails the run; elsewhere its half is skipped, saying why.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { AutograderError } from '../../src/errors.js';
import { GradeReportSchema, type GradeReport } from '../../src/grading/report.js';
import { BlobStore, sha256Hex } from '../../src/store/blobs.js';
import { connect, type Connection } from '../../src/store/database.js';
import { migrateToLatest, migrationsFor } from '../../src/store/migrations/index.js';
import type { User } from '../../src/store/rows.js';
import { openStore, type Store } from '../../src/store/store.js';
import { hashToken } from '../../src/store/tokens.js';
import { POSTGRES_ADMIN_URL, probePostgres } from '../helpers/api-service.js';

const IN_CI = process.env.CI === 'true';

type StoreConfig = Pick<Config, 'dataDir' | 'databaseUrl'>;

interface Backend {
  name: 'sqlite' | 'postgres';
  /** Why this backend cannot run here; undefined when it can. */
  unavailable: string | undefined;
  create(): Promise<{ config: StoreConfig; destroy(): Promise<void> }>;
}


async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const sqliteBackend: Backend = {
  name: 'sqlite',
  unavailable: undefined,
  async create() {
    const dataDir = mkdtempSync(join(tmpdir(), 'autograder-store-'));
    return { config: { dataDir, databaseUrl: '' }, destroy: async () => rmSync(dataDir, { recursive: true, force: true }) };
  },
};

const postgresBackend: Backend = {
  name: 'postgres',
  unavailable: await probePostgres(),
  async create() {
    if (this.unavailable !== undefined) {
      // Only reached with CI=true: a missing service is a failure there, never a skip.
      throw new Error(`PostgreSQL at ${POSTGRES_ADMIN_URL} is unreachable (${this.unavailable}); CI=true requires it`);
    }
    const database = `autograder_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(`CREATE DATABASE ${database}`);
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${database}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'autograder-store-pg-'));
    return {
      config: { dataDir, databaseUrl: url.toString() },
      async destroy() {
        rmSync(dataDir, { recursive: true, force: true });
        await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      },
    };
  },
};

/** A clock the tests move by hand, so no assertion depends on wall-clock time. */
function manualClock(start: string) {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    advance(ms: number) {
      current += ms;
    },
  };
}

function reportFor(submissionId: string, assignmentId: string, score: number, graderVersion = 'g1'): GradeReport {
  return GradeReportSchema.parse({
    schemaVersion: 1,
    assignment: { id: assignmentId, version: 'v1' },
    submission: { id: submissionId, file: 'hw.ipynb' },
    gradable: true,
    score,
    maxScore: 10,
    checks: [
      { id: 'softmax.reference', title: 'softmax matches', points: score, maxPoints: 10, status: score >= 10 ? 'passed' : 'partial', feedback: 'ok', visibility: 'visible' },
    ],
    errors: [],
    timings: { totalMs: 1200, sandboxMs: 900 },
    environment: { sandbox: 'process', tensorBackend: 'wasm', graderVersion },
  });
}

async function expectCode(work: Promise<unknown>, code: string): Promise<AutograderError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected an error with code ${code}`).toBeInstanceOf(AutograderError);
  expect((error as AutograderError).code, (error as Error).message).toBe(code);
  return error as AutograderError;
}

for (const backend of [sqliteBackend, postgresBackend]) {
  const skip = backend.unavailable !== undefined && !IN_CI;
  if (skip) console.warn(`store suite on ${backend.name} skipped: ${backend.unavailable}`);
  const title = skip ? `store on ${backend.name} (skipped: ${backend.unavailable})` : `store on ${backend.name}`;

  describe.skipIf(skip)(title, () => {
    const clock = manualClock('2025-03-01T10:00:00.000Z');
    let env: Awaited<ReturnType<Backend['create']>>;
    let store: Store;
    /** A second connection for looking at the raw tables. */
    let raw: Connection;
    let firstMigration: string[];
    let student: User;
    let other: User;
    const blob = { hash: sha256Hex(Buffer.from('upload')), size: 6 };

    beforeAll(async () => {
      env = await backend.create();
      raw = connect(env.config);
      firstMigration = await migrateToLatest(raw.db, raw.dialect);
      store = await openStore(env.config, { now: clock.now });
      await store.upsertAssignment({ id: 'u05-softmax', version: 'v1', title: 'Unit 5: softmax' });
      await store.upsertAssignment({ id: 'u06-heads', version: 'v1', title: 'Unit 6: heads' });
      student = await store.createUser({ role: 'student', name: 'Ada Lovelace', studentId: `s-${backend.name}-1` });
      other = await store.createUser({ role: 'student', name: 'Alan Turing' });
    });

    afterAll(async () => {
      await store?.close();
      await raw?.db.destroy();
      await env?.destroy();
    });

    it('migrates a fresh database once, and again changes nothing', async () => {
      // Every registered migration, in name order, once (new ones need no edit here).
      expect(firstMigration).toEqual(Object.keys(migrationsFor(raw.dialect)).sort());
      expect(firstMigration.slice(0, 2)).toEqual(['0001-initial', '0002-token-ids-expiry-attempt-owner']);
      expect(await store.migrate()).toEqual([]);
      const second = await openStore(env.config, { now: clock.now });
      try {
        expect(await second.migrate()).toEqual([]);
        expect((await second.listAssignments()).map((a) => a.id)).toEqual(['u05-softmax', 'u06-heads']);
      } finally {
        await second.close();
      }
      expect(store.dialect).toBe(backend.name);
    });

    it('lists tokens by public id, revokes one by id, and refuses an expired token', async () => {
      const worker = await store.createUser({ role: 'worker', name: 'gpu box' });
      const lasting = await store.issueToken(worker.id);
      const expiring = await store.issueToken(worker.id, { expiresAt: new Date(clock.now().getTime() + 60 * 60_000) });
      expect(lasting.id).toMatch(/^[0-9a-f]{16}$/);
      expect(lasting.id).toBe(hashToken(lasting.token).slice(0, 16));
      expect((await store.authenticateToken(expiring.token))?.tokenId).toBe(expiring.id);

      const listed = (await store.tokens.list()).filter((t) => t.userId === worker.id);
      expect(listed.map((t) => t.id).sort()).toEqual([lasting.id, expiring.id].sort());
      expect(listed.find((t) => t.id === expiring.id)).toMatchObject({ role: 'worker', userName: 'gpu box', revoked: false, expiresAt: expiring.expiresAt });
      expect(JSON.stringify(listed)).not.toContain(lasting.token.slice(3));

      clock.advance(60 * 60_000);
      expect(await store.authenticate(expiring.token)).toBeUndefined();
      expect(await store.authenticate(lasting.token)).toMatchObject({ id: worker.id });

      expect(await store.tokens.revokeById(lasting.id)).toBe(true);
      expect(await store.authenticate(lasting.token)).toBeUndefined();
      expect(await store.tokens.revokeById('0000000000000000')).toBe(false);
      expect((await store.tokens.list()).find((t) => t.id === lasting.id)?.revoked).toBe(true);
      await expectCode(store.issueToken(worker.id, { expiresAt: clock.now() }), 'BAD_EXPIRY');
    });

    it('stores only the hash of a token and authenticates with the token', async () => {
      const token = await store.createToken(student.id);
      expect(token).toMatch(/^ag_[A-Za-z0-9_-]{43}$/);

      const rows = await raw.db.selectFrom('api_tokens').selectAll().where('user_id', '=', student.id).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.token_hash).toBe(hashToken(token));
      // The plaintext appears nowhere in the table.
      expect(JSON.stringify(rows)).not.toContain(token.slice(3));

      clock.advance(1000);
      const user = await store.authenticate(token);
      expect(user).toMatchObject({ id: student.id, role: 'student', name: 'Ada Lovelace' });
      const used = await raw.db.selectFrom('api_tokens').select('last_used_at').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
      expect(new Date(used.last_used_at as string | Date).toISOString()).toBe(clock.now().toISOString());
      // Recorded to the minute: a use within the minute writes nothing, a later one does.
      const firstUse = clock.now().toISOString();
      clock.advance(30_000);
      await store.authenticate(token);
      const lastUsed = async () =>
        new Date(
          (await raw.db.selectFrom('api_tokens').select('last_used_at').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow())
            .last_used_at as string | Date,
        ).toISOString();
      expect(await lastUsed()).toBe(firstUse);
      clock.advance(60_000);
      await store.authenticate(token);
      expect(await lastUsed()).toBe(clock.now().toISOString());

      expect(await store.authenticate(`ag_${'A'.repeat(43)}`)).toBeUndefined();
      expect(await store.authenticate('not-a-token')).toBeUndefined();
      expect(await store.authenticate(token.slice(0, -1))).toBeUndefined();

      expect(await store.revokeToken(token)).toBe(true);
      expect(await store.authenticate(token)).toBeUndefined();
      expect(await store.revokeToken(`ag_${'B'.repeat(43)}`)).toBe(false);
      await expectCode(store.createToken('no-such-user'), 'USER_NOT_FOUND');
    });

    it('finds users by id and student id, and keeps student ids unique', async () => {
      expect(await store.getUser(student.id)).toEqual(student);
      expect(await store.findUserByStudentId(`s-${backend.name}-1`)).toEqual(student);
      expect(await store.findUserByStudentId('nobody')).toBeUndefined();
      await expectCode(store.createUser({ role: 'student', name: 'Copy', studentId: `s-${backend.name}-1` }), 'STUDENT_ID_TAKEN');
      await expectCode(store.createUser({ role: 'root' as 'admin', name: 'x' }), 'BAD_INPUT');
    });

    it('upserts and lists assignments', async () => {
      const due = new Date('2025-04-01T23:59:00.000Z');
      const created = await store.upsertAssignment({
        id: 'u07-embeddings',
        version: 'v1',
        title: 'Unit 7',
        dueAt: due,
        latePolicy: { kind: 'penalty', percentPerDay: 10, maxDaysLate: 3 },
        maxSubmissionsPerHour: 5,
      });
      clock.advance(60_000);
      const updated = await store.upsertAssignment({ id: 'u07-embeddings', version: 'v2', title: 'Unit 7: embeddings' });
      expect(updated).toMatchObject({ version: 'v2', title: 'Unit 7: embeddings', dueAt: null, latePolicy: { kind: 'accept' }, maxSubmissionsPerHour: null });
      expect(updated.createdAt).toEqual(created.createdAt);
      expect(updated.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
      expect(created).toMatchObject({ dueAt: due, latePolicy: { kind: 'penalty', percentPerDay: 10, maxDaysLate: 3 }, maxSubmissionsPerHour: 5 });
      expect((await store.listAssignments()).map((a) => a.id)).toEqual(['u05-softmax', 'u06-heads', 'u07-embeddings']);
      expect(await store.getAssignment('u07-embeddings')).toEqual(updated);
      expect(await store.getAssignment('nope')).toBeUndefined();
      await expectCode(store.upsertAssignment({ id: 'Bad Id', version: 'v', title: 't' }), 'BAD_INPUT');
    });

    it('creates, lists, filters and counts submissions', async () => {
      const start = clock.now();
      const a1 = await store.createSubmission({ assignmentId: 'u05-softmax', userId: student.id, fileName: 'a1.ipynb', blob, source: 'upload' });
      clock.advance(1000);
      const a2 = await store.createSubmission({ assignmentId: 'u05-softmax', userId: student.id, fileName: 'a2.ipynb', blob, source: 'cli' });
      clock.advance(1000);
      const b1 = await store.createSubmission({ assignmentId: 'u06-heads', userId: student.id, fileName: 'b1.ipynb', blob, source: 'lms' });
      clock.advance(1000);
      const c1 = await store.createSubmission({ assignmentId: 'u05-softmax', userId: other.id, fileName: 'c1.zip', blob, source: 'import' });

      expect(a1).toMatchObject({ status: 'queued', attempts: 0, enqueuedAt: null, errorMessage: null, blobHash: blob.hash, source: 'upload' });
      expect(await store.getSubmission(a1.id)).toEqual(a1);
      expect(await store.getSubmission('00000000-0000-0000-0000-000000000000')).toBeUndefined();

      const ids = (list: { id: string }[]) => list.map((s) => s.id);
      expect(ids(await store.listSubmissions({ assignmentId: 'u05-softmax', userId: student.id }))).toEqual([a2.id, a1.id]);
      expect(ids(await store.listSubmissions({ userId: student.id }))).toEqual([b1.id, a2.id, a1.id]);
      expect(ids(await store.listSubmissions({ assignmentId: 'u05-softmax' }))).toEqual([c1.id, a2.id, a1.id]);
      expect(ids(await store.listSubmissions({ assignmentId: 'u05-softmax', limit: 1 }))).toEqual([c1.id]);

      expect(await store.countRecentSubmissions(student.id, 'u05-softmax', start)).toBe(2);
      expect(await store.countRecentSubmissions(student.id, 'u05-softmax', new Date(start.getTime() + 1000))).toBe(1);
      expect(await store.countRecentSubmissions(other.id, 'u06-heads', start)).toBe(0);

      const blobRows = await raw.db.selectFrom('blobs').selectAll().where('hash', '=', blob.hash).execute();
      expect(blobRows).toHaveLength(1);
      expect(Number(blobRows[0]!.size)).toBe(6);

      await expectCode(
        store.createSubmission({ assignmentId: 'u99-missing', userId: student.id, fileName: 'x.ipynb', blob, source: 'upload' }),
        'ASSIGNMENT_NOT_FOUND',
      );
      await expectCode(
        store.createSubmission({ assignmentId: 'u05-softmax', userId: 'ghost', fileName: 'x.ipynb', blob, source: 'upload' }),
        'USER_NOT_FOUND',
      );
      await expectCode(
        store.createSubmission({ assignmentId: 'u05-softmax', userId: student.id, fileName: 'x.ipynb', blob: { hash: '../../x', size: 1 }, source: 'upload' }),
        'BAD_INPUT',
      );
    });

    it('finds queued submissions not yet on the queue, for the reconciler', async () => {
      const fresh = await store.createSubmission({ assignmentId: 'u06-heads', userId: other.id, fileName: 'r.ipynb', blob, source: 'upload' });
      const cutoff = clock.now();
      clock.advance(5000);
      const tooNew = await store.createSubmission({ assignmentId: 'u06-heads', userId: other.id, fileName: 'n.ipynb', blob, source: 'upload' });

      const pending = (await store.submissionsToEnqueue(cutoff, 10_000)).map((s) => s.id);
      expect(pending).toContain(fresh.id);
      expect(pending).not.toContain(tooNew.id);

      const enqueued = await store.markEnqueued(fresh.id);
      expect(enqueued.enqueuedAt).toEqual(clock.now());
      expect((await store.submissionsToEnqueue(clock.now(), 10_000)).map((s) => s.id)).not.toContain(fresh.id);

      const running = await store.markRunning(tooNew.id);
      expect((await store.submissionsToEnqueue(clock.now(), 10_000)).map((s) => s.id)).not.toContain(running.id);
      await expectCode(store.markEnqueued('missing'), 'SUBMISSION_NOT_FOUND');
    });

    it('finds confirmed queued and running submissions unchanged since a time, in pages, for lost-job recovery', async () => {
      const before = clock.now();
      clock.advance(1000);
      const unconfirmed = await store.createSubmission({ assignmentId: 'u06-heads', userId: other.id, fileName: 'u.ipynb', blob, source: 'upload' });
      const confirmed = await store.createSubmission({ assignmentId: 'u06-heads', userId: other.id, fileName: 'c.ipynb', blob, source: 'upload' });
      await store.markEnqueued(confirmed.id);
      const running = await store.createSubmission({ assignmentId: 'u06-heads', userId: other.id, fileName: 'r.ipynb', blob, source: 'upload' });
      await store.markEnqueued(running.id);
      await store.markRunning(running.id);
      const failed = await store.createSubmission({ assignmentId: 'u06-heads', userId: other.id, fileName: 'f.ipynb', blob, source: 'upload' });
      await store.markEnqueued(failed.id);
      await store.markFailed(failed.id, 'gave up');
      const cutoff = clock.now();
      clock.advance(5000);
      const tooNew = await store.createSubmission({ assignmentId: 'u06-heads', userId: other.id, fileName: 'n.ipynb', blob, source: 'upload' });
      await store.markEnqueued(tooNew.id);

      const ours = new Set([unconfirmed.id, confirmed.id, running.id, failed.id, tooNew.id]);
      const found = (await store.submissionsInFlight(cutoff, 10_000)).filter((s) => ours.has(s.id));
      expect(found.map((s) => s.id).sort()).toEqual([confirmed.id, running.id].sort());
      expect(found.find((s) => s.id === running.id)).toMatchObject({ status: 'running', attempts: 1 });
      expect((await store.submissionsInFlight(before, 10_000)).map((s) => s.id)).not.toContain(confirmed.id);

      // Paging one row at a time visits every row once, in (updated_at, id) order.
      const all = await store.submissionsInFlight(clock.now(), 10_000);
      const paged: string[] = [];
      let after: { updatedAt: Date; id: string } | undefined;
      for (;;) {
        const page = await store.submissionsInFlight(clock.now(), 1, after);
        if (page.length === 0) break;
        paged.push(page[0]!.id);
        after = { updatedAt: page[0]!.updatedAt, id: page[0]!.id };
      }
      expect(paged).toEqual(all.map((s) => s.id));
      expect(paged).toContain(tooNew.id);
    });

    it('moves a submission through running, failed and back to queued', async () => {
      const s = await store.createSubmission({ assignmentId: 'u05-softmax', userId: other.id, fileName: 'f.ipynb', blob, source: 'upload' });
      expect((await store.markRunning(s.id)).attempts).toBe(1);
      const again = await store.markRunning(s.id);
      expect(again).toMatchObject({ status: 'running', attempts: 2 });
      const failed = await store.markFailed(s.id, 'docker daemon unreachable');
      expect(failed).toMatchObject({ status: 'failed', errorMessage: 'docker daemon unreachable', attempts: 2 });
      const requeued = await store.requeueSubmission(s.id);
      expect(requeued).toMatchObject({ status: 'queued', errorMessage: null, enqueuedAt: null, attempts: 2 });
      await expectCode(store.markRunning('missing'), 'SUBMISSION_NOT_FOUND');
      await expectCode(store.markFailed('missing', 'x'), 'SUBMISSION_NOT_FOUND');
    });

    it('keeps exactly one current result over several recordResult calls', async () => {
      const s = await store.createSubmission({ assignmentId: 'u05-softmax', userId: student.id, fileName: 'r.ipynb', blob, source: 'upload' });
      for (const score of [3, 7, 9]) {
        clock.advance(1000);
        await store.recordResult(s.id, reportFor(s.id, 'u05-softmax', score, `g${score}`));
      }
      const history = await store.listResults(s.id);
      expect(history.map((r) => [r.score, r.isCurrent])).toEqual([
        [3, false],
        [7, false],
        [9, true],
      ]);
      const current = await store.getCurrentResult(s.id);
      expect(current).toMatchObject({ score: 9, maxScore: 10, graderVersion: 'g9', isCurrent: true });
      expect(current?.report).toEqual(reportFor(s.id, 'u05-softmax', 9, 'g9'));
      expect(await store.getSubmission(s.id)).toMatchObject({ status: 'graded', errorMessage: null });
    });

    it('keeps exactly one current result when recordResult calls race', async () => {
      const s = await store.createSubmission({ assignmentId: 'u05-softmax', userId: student.id, fileName: 'race.ipynb', blob, source: 'upload' });
      // PostgreSQL: a second pool, so the calls race over separate connections as two API processes would.
      // SQLite: one Store per process shares one connection, so the calls interleave between transactions.
      const second = backend.name === 'postgres' ? await openStore(env.config, { now: clock.now }) : store;
      try {
        await Promise.all(
          Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? store : second).recordResult(s.id, reportFor(s.id, 'u05-softmax', i % 11))),
        );
      } finally {
        if (second !== store) await second.close();
      }
      const current = await raw.db
        .selectFrom('results')
        .select(['id'])
        .where('submission_id', '=', s.id)
        .where('is_current', '=', true)
        .execute();
      expect(current).toHaveLength(1);
      expect(await store.listResults(s.id)).toHaveLength(24);
      expect((await store.getCurrentResult(s.id))?.id).toBe(current[0]!.id);
    });

    it('has the database refuse a second current result by itself', async () => {
      const s = await store.createSubmission({ assignmentId: 'u05-softmax', userId: student.id, fileName: 'idx.ipynb', blob, source: 'upload' });
      await store.recordResult(s.id, reportFor(s.id, 'u05-softmax', 5));
      const insertCurrent = raw.db
        .insertInto('results')
        .values({
          id: `manual-${backend.name}`,
          submission_id: s.id,
          report: '{}',
          score: 1,
          max_score: 10,
          grader_version: 'x',
          is_current: true,
          created_at: clock.now(),
        })
        .execute();
      await expect(insertCurrent).rejects.toThrow(/unique/i);
    });

    it('refuses a report for another submission or assignment', async () => {
      const s = await store.createSubmission({ assignmentId: 'u05-softmax', userId: student.id, fileName: 'm.ipynb', blob, source: 'upload' });
      const t = await store.createSubmission({ assignmentId: 'u05-softmax', userId: student.id, fileName: 'n.ipynb', blob, source: 'upload' });
      await expectCode(store.recordResult(s.id, reportFor(t.id, 'u05-softmax', 5)), 'REPORT_MISMATCH');
      await expectCode(store.recordResult(s.id, reportFor(s.id, 'u06-heads', 5)), 'REPORT_MISMATCH');
      await expectCode(store.recordResult('missing', reportFor('missing', 'u05-softmax', 5)), 'SUBMISSION_NOT_FOUND');
      await expectCode(store.recordResult(s.id, { ...reportFor(s.id, 'u05-softmax', 5), score: -1 }), 'BAD_REPORT');
      expect(await store.listResults(s.id)).toEqual([]);
      expect((await store.getSubmission(s.id))?.status).toBe('queued');
    });

    it('lists an assignment’s submissions with their current results', async () => {
      await store.upsertAssignment({ id: 'u08-sampling', version: 'v1', title: 'Unit 8' });
      const graded = await store.createSubmission({ assignmentId: 'u08-sampling', userId: student.id, fileName: 'g.ipynb', blob, source: 'upload' });
      clock.advance(1000);
      const waiting = await store.createSubmission({ assignmentId: 'u08-sampling', userId: other.id, fileName: 'w.ipynb', blob, source: 'upload' });
      await store.recordResult(graded.id, reportFor(graded.id, 'u08-sampling', 4));
      await store.recordResult(graded.id, reportFor(graded.id, 'u08-sampling', 8));
      const rows = await store.listSubmissionsWithResults('u08-sampling');
      expect(rows.map((r) => [r.submission.id, r.result?.score])).toEqual([
        [waiting.id, undefined],
        [graded.id, 8],
      ]);
    });
  });
}

describe('opening a store', () => {
  it('refuses a database URL that is not PostgreSQL', async () => {
    await expectCode(openStore({ dataDir: tmpdir(), databaseUrl: 'mysql://root@127.0.0.1/db' }), 'BAD_DATABASE_URL');
  });

  it('reports an unreachable PostgreSQL as a platform error', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const error = await expectCode(openStore({ dataDir: tmpdir(), databaseUrl: 'postgres://postgres@127.0.0.1:1/test' }), 'DATABASE_UNAVAILABLE');
    expect(error.kind).toBe('platform');
    expect(error.message).toContain('127.0.0.1:1');
  });

  it('creates the SQLite file under dataDir in WAL mode', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'autograder-wal-')), 'nested');
    const store = await openStore({ dataDir, databaseUrl: '' });
    try {
      expect(readdirSync(dataDir)).toContain('autograder.sqlite');
      const raw = connect({ dataDir, databaseUrl: '' });
      try {
        const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(raw.db);
        expect(mode.rows[0]?.journal_mode).toBe('wal');
      } finally {
        await raw.db.destroy();
      }
    } finally {
      await store.close();
      rmSync(join(dataDir, '..'), { recursive: true, force: true });
    }
  });
});

describe('blob store', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'autograder-blobs-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const bytes = Buffer.from('{"nbformat": 4, "cells": []}');
  const hash = sha256Hex(bytes);

  it('stores bytes under their sha256 and reads them back from a fresh instance', async () => {
    const blobs = new BlobStore(root);
    const ref = await blobs.put(bytes);
    expect(ref).toEqual({ hash, size: bytes.length });
    expect(blobs.pathOf(hash)).toBe(join(root, hash.slice(0, 2), hash.slice(2)));
    expect(await blobs.has(hash)).toBe(true);
    expect((await new BlobStore(root).get(hash)).equals(bytes)).toBe(true);
    // Atomic write: nothing is left in the temp folder.
    expect(readdirSync(join(root, '.tmp'))).toEqual([]);
  });

  it('stores the same bytes once', async () => {
    const blobs = new BlobStore(root);
    expect(await blobs.put(bytes)).toEqual(await blobs.put(Buffer.from(bytes)));
    expect(readdirSync(join(root, hash.slice(0, 2)))).toEqual([hash.slice(2)]);
  });

  it('detects bytes damaged on disk', async () => {
    const blobs = new BlobStore(root);
    const other = Buffer.from('model weights');
    const ref = await blobs.put(other);
    writeFileSync(blobs.pathOf(ref.hash), 'tampered weights');
    await expectCode(blobs.get(ref.hash), 'BLOB_CORRUPT');
  });

  it('says what is missing, and refuses hashes that are not hashes', async () => {
    const blobs = new BlobStore(root);
    const absent = sha256Hex(Buffer.from('never stored'));
    expect(await blobs.has(absent)).toBe(false);
    await expectCode(blobs.get(absent), 'BLOB_NOT_FOUND');
    await expectCode(blobs.get('../../etc/passwd'), 'BAD_BLOB_HASH');
    await expectCode(blobs.has('ABC'), 'BAD_BLOB_HASH');
  });

  it('refuses blobs over its size limit', async () => {
    const blobs = new BlobStore(root, { maxBytes: 10 });
    const error = await expectCode(blobs.put(Buffer.alloc(11)), 'TOO_LARGE');
    expect(error.kind).toBe('student');
  });
});
