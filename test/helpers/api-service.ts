/**
 * The API on real parts for integration tests: a store on SQLite (temp dir) or on a
 * PostgreSQL database created for the test file, BullMQ queues on the real Redis under
 * a prefix of their own, and the app listening on an ephemeral loopback port.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createApp } from '../../src/api/app.js';
import { rootLogger } from '../../src/logger.js';
import { createLmsServices } from '../../src/lms/lms-services.js';
import type { PassbackRetry } from '../../src/lms/passback.js';
import { SecretBox } from '../../src/lms/secret-box.js';
import type { Check } from '../../src/grading/assignment.js';
import { defineAssignment, type AssignmentDefinition } from '../../src/grading/assignment.js';
import { GradeReportSchema, type GradeReport, type Visibility } from '../../src/grading/report.js';
import { createGradingQueues, type GradingQueues } from '../../src/queue/grading.js';
import { BlobStore } from '../../src/store/blobs.js';
import type { Role, User } from '../../src/store/rows.js';
import { openStore, type Store } from '../../src/store/store.js';
import type { UnpackLimitsInput } from '../../src/submission/limits.js';
import type { UploadGateOptionsInput } from '../../src/api/upload-gate.js';
import { requireService } from './services.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Nothing listens here: the app's view of Redis being down. */
export const CLOSED_REDIS_URL = 'redis://127.0.0.1:1';

/** Why Redis cannot be used here; undefined when it can. */
export async function probeRedis(): Promise<string | undefined> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined /* the rejected connect() below reports it */);
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    redis.disconnect();
  }
}

export async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await client.end().catch(() => undefined /* never connected */);
  }
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

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty database and data directory, and how to remove them. */
  create(): Promise<{ dataDir: string; databaseUrl: string; destroy(): Promise<void> }>;
}

export const sqliteBackend: StoreBackend = {
  name: 'sqlite',
  async create() {
    const dataDir = mkdtempSync(join(tmpdir(), 'autograder-api-'));
    return { dataDir, databaseUrl: '', destroy: async () => rmSync(dataDir, { recursive: true, force: true }) };
  },
};

export const postgresBackend: StoreBackend = {
  name: 'postgres',
  async create() {
    const database = `autograder_api_${randomBytes(6).toString('hex')}`;
    await adminQuery(`CREATE DATABASE ${database}`);
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${database}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'autograder-api-pg-'));
    return {
      dataDir,
      databaseUrl: url.toString(),
      async destroy() {
        rmSync(dataDir, { recursive: true, force: true });
        await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      },
    };
  },
};

/**
 * Both store backends with whether each can run here (Redis for both, PostgreSQL for the
 * second), for `describe.each`. Under CI=true a missing service fails the suite.
 */
export async function storeBackendsAvailable(): Promise<Array<[string, StoreBackend, boolean]>> {
  const redisProblem = await probeRedis();
  const postgresProblem = await probePostgres();
  const haveRedis = requireService('Redis', redisProblem === undefined, redisProblem ?? '');
  const havePostgres = requireService('PostgreSQL', postgresProblem === undefined, postgresProblem ?? '');
  return [
    ['sqlite', sqliteBackend, haveRedis],
    ['postgres', postgresBackend, haveRedis && havePostgres],
  ];
}

/** A check that grades nothing: the tests send the worker's report themselves. */
function check(id: string, maxPoints: number, visibility: Visibility, objectives: string[]): Check {
  return {
    id,
    title: `${id} title`,
    maxPoints,
    visibility,
    objectives,
    calls: () => [],
    grade: () => ({ points: maxPoints, feedback: '' }),
  };
}

export const CPU_ASSIGNMENT = 'apitest-cpu';
export const GPU_ASSIGNMENT = 'apitest-gpu';

/** Two assignments with one check of each visibility; one runs on the GPU queue. */
export function testAssignments(): AssignmentDefinition[] {
  const checks = () => [
    check('softmax.reference', 6, 'visible', ['TM-Softmax']),
    check('softmax.stability', 3, 'hidden', ['TM-Softmax']),
    check('narrative', 1, 'after_due', ['OG-Communication']),
  ];
  return [
    defineAssignment({ id: CPU_ASSIGNMENT, title: 'API test (CPU)', execute: false, checks: checks() }),
    defineAssignment({ id: GPU_ASSIGNMENT, title: 'API test (GPU)', execute: false, gpu: true, checks: checks() }),
  ];
}

/** A small valid nbformat 4 notebook. */
export function notebookBytes(extraSource = ''): Buffer {
  return Buffer.from(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: 'markdown', id: 'intro', metadata: {}, source: '# Homework\n**Answer**: softmax' },
        { cell_type: 'code', id: 'code1', metadata: {}, execution_count: null, outputs: [], source: `def softmax(x):\n    return x${extraSource}` },
      ],
    }),
  );
}

/** A report as a worker would send it: every check at full points unless `points` says otherwise. */
export function reportFor(submissionId: string, assignmentId: string, points: Partial<Record<string, number>> = {}): GradeReport {
  const definition = testAssignments().find((a) => a.id === assignmentId)!;
  const checks = definition.checks.map((c) => {
    const p = points[c.id] ?? c.maxPoints;
    return {
      id: c.id,
      title: c.title,
      points: p,
      maxPoints: c.maxPoints,
      status: p >= c.maxPoints ? 'passed' : p > 0 ? 'partial' : 'failed',
      feedback: `feedback of ${c.id}`,
      visibility: c.visibility,
      objectives: c.objectives,
    };
  });
  const objectives = new Map<string, { id: string; points: number; maxPoints: number }>();
  for (const c of checks) {
    for (const id of c.objectives) {
      const o = objectives.get(id) ?? { id, points: 0, maxPoints: 0 };
      o.points += c.points;
      o.maxPoints += c.maxPoints;
      objectives.set(id, o);
    }
  }
  return GradeReportSchema.parse({
    schemaVersion: 1,
    assignment: { id: assignmentId, version: 'test' },
    submission: { id: submissionId, file: 'hw.ipynb' },
    gradable: true,
    score: checks.reduce((s, c) => s + c.points, 0),
    maxScore: checks.reduce((s, c) => s + c.maxPoints, 0),
    checks,
    objectives: [...objectives.values()],
    errors: [],
    timings: { totalMs: 1500, sandboxMs: 1000 },
    environment: { sandbox: 'process', tensorBackend: 'wasm', graderVersion: 'test' },
  });
}

export interface RunningApi {
  url: string;
  store: Store;
  blobs: BlobStore;
  queues: GradingQueues;
  dataDir: string;
  databaseUrl: string;
  users: Record<'student' | 'student2' | 'instructor' | 'worker' | 'lms', User>;
  tokens: Record<'student' | 'student2' | 'instructor' | 'worker' | 'lms', string>;
  /** Submissions in the store and blob files on disk: what a refused request must not change. */
  stored(): Promise<{ submissions: number; blobs: number }>;
  close(): Promise<void>;
}

export interface StartApiOptions {
  backend: StoreBackend;
  /** The queues' Redis key prefix (one per test file). */
  prefix: string;
  /** @defaultValue {@link REDIS_URL} */
  redisUrl?: string;
  uploadLimits?: UnpackLimitsInput;
  /** Bounds on uploads in progress. @defaultValue the app's */
  uploadConcurrency?: UploadGateOptionsInput;
  /** @defaultValue {@link testAssignments}; `builtin` serves the real graders/ catalogue */
  assignments?: readonly AssignmentDefinition[] | 'builtin';
  /** Retries of score passback jobs the API queues. @defaultValue the passback module's (12 tries from 5 s) */
  passbackRetry?: PassbackRetry;
}

export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const db = await options.backend.create();
  const store = await openStore({ dataDir: db.dataDir, databaseUrl: db.databaseUrl });
  const queues = createGradingQueues(options.redisUrl ?? REDIS_URL, { prefix: options.prefix, connectTimeoutMs: 1000 });
  const blobs = BlobStore.forConfig({ dataDir: db.dataDir });
  const app = createApp({
    config: { dataDir: db.dataDir },
    store,
    blobs,
    queues,
    redis: queues.redis,
    logger: rootLogger,
    ...(options.assignments === 'builtin' ? {} : { assignments: options.assignments ?? testAssignments() }),
    uploadLimits: options.uploadLimits,
    uploadConcurrency: options.uploadConcurrency,
    ...(options.passbackRetry === undefined
      ? {}
      : {
          lms: createLmsServices({ repo: store.lms, box: SecretBox.forConfig({ dataDir: db.dataDir }), redis: queues.redis, prefix: options.prefix, logger: rootLogger, retry: options.passbackRetry }),
        }),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;

  const people: Array<[keyof RunningApi['users'], Role, string | null]> = [
    ['student', 'student', 's1001'],
    ['student2', 'student', 's1002'],
    ['instructor', 'instructor', null],
    ['worker', 'worker', null],
    ['lms', 'lms', null],
  ];
  const users = {} as RunningApi['users'];
  const tokens = {} as RunningApi['tokens'];
  for (const [key, role, studentId] of people) {
    users[key] = await store.createUser({ role, name: `${key} name`, studentId });
    tokens[key] = await store.createToken(users[key].id);
  }

  return {
    url: `http://127.0.0.1:${port}`,
    store,
    blobs,
    queues,
    dataDir: db.dataDir,
    databaseUrl: db.databaseUrl,
    users,
    tokens,
    async stored() {
      return { submissions: (await store.listSubmissions({})).length, blobs: countFiles(blobs.root) };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
      if (queues.redis.status === 'ready') await Promise.all(queues.all().map((q) => q.obliterate({ force: true })));
      await queues.close();
      await store.close();
      await db.destroy();
    },
  };
}

/** Files under the blob root, leftovers of interrupted writes (`.tmp`) included. */
function countFiles(dir: string): number {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  return entries.reduce((n, e) => n + (e.isDirectory() ? countFiles(join(dir, e.name)) : 1), 0);
}

export interface UploadOptions {
  token?: string;
  name?: string;
  bytes?: Uint8Array;
  /** @defaultValue file */
  field?: string;
}

/** POSTs one file as multipart, like a browser form or `curl -F file=@...`. */
export async function upload(baseUrl: string, assignmentId: string, options: UploadOptions = {}): Promise<globalThis.Response> {
  const form = new FormData();
  form.append(options.field ?? 'file', new Blob([new Uint8Array(options.bytes ?? notebookBytes())]), options.name ?? 'hw.ipynb');
  return fetch(`${baseUrl}/api/assignments/${assignmentId}/submissions`, {
    method: 'POST',
    headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    body: form,
  });
}

export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, headers: response.headers, body: type.includes('json') ? JSON.parse(text) : text };
}
