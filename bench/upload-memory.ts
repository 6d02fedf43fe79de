/**
 * bench/upload-memory: what hostile uploads cost the API, on loopback, in one process
 * (the API and the client that attacks it). Bounded: it stops by itself.
 *
 *   npm run build && node --expose-gc dist/bench/upload-memory.js
 *
 * Redis: REDIS_URL (default 127.0.0.1:6379), or a redis-server of its own when none
 * answers. Store: SQLite in a temporary data directory.
 *
 * 1. Four zips at once, from four students, each 1.4 MB of 49 entries at 190x (265 MB
 *    inflated): the bomb found probing the API (it used to cost ~290 MB of RSS each,
 *    1.27 GB for four). Refused (422 ZIP_BOMB) from the headers now.
 * 2. Four zips at once of 49 entries at 90x (about 250 MB inflated each): within every
 *    limit, so accepted; all of it is inflated and checked, none of it kept.
 * 3. A 19 MB notebook of 250,000 empty cells: the longest event-loop stall while the API
 *    refuses it, beside what parsing and validating it as before costs in this process.
 *
 * Peak RSS growth is sampled every 5 ms over the baseline after a GC (run with
 * --expose-gc); figures are medians of `RUNS` runs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import JSZip from 'jszip';
import { createApp } from '../src/api/app.js';
import { createLogger } from '../src/logger.js';
import { NotebookSchema } from '../src/notebook/schema.js';
import { createGradingQueues } from '../src/queue/grading.js';
import { openStore } from '../src/store/store.js';
import { redisAnswers, startLocalRedis, type LocalRedis } from '../scripts/redis-server.js';
import { percentile } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ASSIGNMENT = 'u05-softmax';
const DEADLINE_MS = 10 * 60 * 1000;
const MB = 1_000_000;

const notebook = Buffer.from(
  JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: 'x = 1' }] }),
);

/** `size` bytes deflating about `ratio` times: a random head, then zeros (deflate packs those ~1030:1). */
function dataWithRatio(size: number, ratio: number): Buffer {
  const head = Math.max(0, Math.round((size / ratio - size / 1030) / (1 - 1 / 1030)));
  const data = Buffer.alloc(size);
  randomBytes(head).copy(data);
  return data;
}

async function zipOf(totalBytes: number, ratio: number): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('hw.ipynb', notebook);
  const entry = dataWithRatio(Math.floor(totalBytes / 49), ratio);
  for (let i = 0; i < 49; i++) zip.file(`weights-${i}.bin`, entry);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } });
}

function cellsNotebook(cells: number): Buffer {
  const cell = '{"cell_type":"code","metadata":{},"execution_count":null,"outputs":[],"source":""}';
  return Buffer.from(`{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[${Array.from({ length: cells }, () => cell).join(',')}]}`);
}

/** Runs `work` while sampling RSS; the peak growth over the RSS before it, in MB. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growthMb: (peak - base) / MB };
  } finally {
    clearInterval(timer);
  }
}

async function upload(url: string, token: string, name: string, bytes: Buffer): Promise<{ status: number; error?: string }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const response = await fetch(`${url}/api/assignments/${ASSIGNMENT}/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, ...(body.error === undefined ? {} : { error: body.error }) };
}

async function main(): Promise<number> {
  const deadline = setTimeout(() => {
    process.stderr.write('bench/upload-memory: deadline reached\n');
    process.exit(1);
  }, DEADLINE_MS);
  deadline.unref();

  let localRedis: LocalRedis | undefined;
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await redisAnswers(redisUrl))) {
    localRedis = await startLocalRedis();
    redisUrl = localRedis.url;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'autograder-bench-upload-'));
  const logger = createLogger(process.env.LOG_LEVEL ?? 'silent');
  const store = await openStore({ dataDir, databaseUrl: '' });
  const queues = createGradingQueues(redisUrl, { prefix: `bench-upload-${randomUUID().slice(0, 8)}` });
  const app = createApp({ config: { dataDir }, store, queues, redis: queues.redis, logger });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const tokens: string[] = [];
    for (let i = 0; i < 4; i++) {
      const user = await store.createUser({ role: 'student', name: `bench ${i}`, studentId: `bench-upload-${i}` });
      tokens.push(await store.createToken(user.id));
    }
    process.stderr.write('building the zips...\n');
    const bomb = await zipOf(265 * MB, 190);
    const large = await zipOf(250 * MB, 90);
    const cells = cellsNotebook(250_000);

    const rows: string[][] = [];
    const scenario = async (what: string, bytes: Buffer, name: string) => {
      const growth: number[] = [];
      let outcomes = '';
      for (let run = 0; run < RUNS; run++) {
        const { result, growthMb } = await peakRssGrowth(() => Promise.all(tokens.map((t) => upload(url, t, name, bytes))));
        growth.push(growthMb);
        outcomes = result.map((r) => `${r.status}${r.error ? ` ${r.error}` : ''}`).join(', ');
      }
      rows.push([what, `${(bytes.byteLength / MB).toFixed(1)} MB`, outcomes, `${percentile(growth, 50).toFixed(0)} MB`]);
    };
    await scenario('4 bombs at once (265 MB each at 190x)', bomb, 'hw.zip');
    await scenario('4 large zips at once (250 MB each at 90x)', large, 'hw.zip');

    // Scenario 3: the event loop while a 250,000-cell notebook is refused, and parsing it as before.
    const stalls: number[] = [];
    let refused = '';
    for (let run = 0; run < RUNS; run++) {
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const answer = await upload(url, tokens[0]!, 'cells.ipynb', cells);
      delay.disable();
      stalls.push(delay.max / 1e6);
      refused = `${answer.status} ${answer.error ?? ''}`;
    }
    const before: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      NotebookSchema.safeParse(JSON.parse(cells.toString('utf8')));
      before.push(performance.now() - started);
    }

    const header = ['scenario', 'upload', 'answers', 'peak RSS growth (median)'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n\n`);
    process.stdout.write(
      `250,000-cell notebook (${(cells.byteLength / MB).toFixed(1)} MB): answered ${refused}; longest event-loop stall ` +
        `${percentile(stalls, 50).toFixed(0)} ms (median of ${RUNS}); JSON.parse + validation as before: ${percentile(before, 50).toFixed(0)} ms ` +
        `(stall / before: ${(percentile(stalls, 50) / percentile(before, 50)).toFixed(2)})\n`,
    );
    return 0;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(queues.all().map((q) => q.obliterate({ force: true })));
    await queues.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
    await localRedis?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench/upload-memory failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
