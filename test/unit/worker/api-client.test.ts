/**
 * The worker's HTTP client against a small loopback server: what each answer of the API
 * becomes, since the job processor decides retry or not from that.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutograderError } from '../../../src/errors.js';
import { HttpWorkerApi } from '../../../worker/api-client.js';
import { freePort } from '../../../scripts/redis-server.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let handler: Handler;
let server: Server;
let url: string;
const requests: Array<{ method: string; url: string; body: string; auth: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body, auth: req.headers.authorization });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function answer(status: number, body: unknown): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

const api = (tries = 2) => new HttpWorkerApi({ apiUrl: url, workerToken: 'ag_test', tries });

async function failure(work: Promise<unknown>): Promise<AutograderError> {
  const e = await work.then(() => undefined, (error: unknown) => error);
  expect(e).toBeInstanceOf(AutograderError);
  return e as AutograderError;
}

describe('HttpWorkerApi', () => {
  it('sends the worker token and reads the attempt number /started answers', async () => {
    requests.length = 0;
    handler = answer(200, { id: 's1', status: 'running', attempt: 3 });
    expect(await api().markStarted('s1')).toBe(3);
    expect(requests[0]).toMatchObject({ method: 'POST', url: '/api/worker/submissions/s1/started', auth: 'Bearer ag_test' });
  });

  it('sends the attempt with the result', async () => {
    requests.length = 0;
    handler = answer(200, { id: 's1', status: 'graded', resultId: 'r1', score: 1, maxScore: 2, recorded: true });
    await api().postResult('s1', { schemaVersion: 1 } as never, 3);
    expect(JSON.parse(requests[0]!.body)).toMatchObject({ attempt: 3, report: { schemaVersion: 1 } });
  });

  it('retries a 503 and then gives up with a platform error', async () => {
    requests.length = 0;
    handler = answer(503, { error: 'DATABASE_ERROR', detail: 'the database is unavailable' });
    const e = await failure(api(2).getSubmission('s1'));
    expect(e).toMatchObject({ kind: 'platform', code: 'API_ERROR' });
    expect(e.message).toMatch(/503.*database is unavailable/);
    expect(requests).toHaveLength(2);
  });

  it('reports a refused token as a platform error that says how to get one', async () => {
    handler = answer(401, { error: 'INVALID_TOKEN', detail: 'the API token is unknown or revoked' });
    const e = await failure(api().getSubmission('s1'));
    expect(e).toMatchObject({ kind: 'platform', code: 'WORKER_TOKEN_REJECTED' });
    expect(e.message).toMatch(/tokens create --role worker/);
  });

  it('keeps the API code of a 409 so a stale attempt can be told apart', async () => {
    handler = answer(409, { error: 'STALE_ATTEMPT', detail: 'attempt 1 was superseded by attempt 2' });
    expect(await failure(api().postResult('s1', {} as never, 1))).toMatchObject({ kind: 'usage', code: 'STALE_ATTEMPT' });
  });

  it('takes a 404 for a made-up id as a working token', async () => {
    handler = answer(404, { error: 'SUBMISSION_NOT_FOUND', detail: 'there is no submission token-check' });
    await expect(api().checkToken()).resolves.toBeUndefined();
  });

  it('says the API is unreachable when nothing listens', async () => {
    const closed = new HttpWorkerApi({ apiUrl: `http://127.0.0.1:${await freePort()}`, workerToken: 'ag_test', tries: 1 });
    const e = await failure(closed.downloadFile('s1', { size: 1, sha256: '0'.repeat(64) }));
    expect(e).toMatchObject({ kind: 'platform', code: 'API_UNREACHABLE' });
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it('accepts a download that matches the announced size and sha256', async () => {
    const bytes = Buffer.from('{"cells": []}');
    handler = (_req, res) => res.end(bytes);
    const got = await api().downloadFile('s1', { size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(Buffer.from(got).toString()).toBe('{"cells": []}');
  });

  it('refuses a download whose bytes do not hash to the announced sha256', async () => {
    const bytes = Buffer.from('{"cells": []}');
    handler = (_req, res) => res.end(bytes);
    const e = await failure(api().downloadFile('s1', { size: bytes.byteLength, sha256: createHash('sha256').update('other').digest('hex') }));
    expect(e).toMatchObject({ kind: 'platform', code: 'DOWNLOAD_MISMATCH' });
  });

  it('stops reading a download that runs past the announced size', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Chunked, so no content-length gives the size away before the bytes do.
      res.write(Buffer.alloc(64 * 1024));
      res.end(Buffer.alloc(64 * 1024));
    };
    const e = await failure(api().downloadFile('s1', { size: 1000, sha256: '0'.repeat(64) }));
    expect(e).toMatchObject({ kind: 'platform', code: 'DOWNLOAD_TOO_LARGE' });
  });

  it("refuses an answer that does not follow the wire contract (a /started without its attempt)", async () => {
    handler = answer(200, { id: 's1', status: 'running' });
    expect(await failure(api().markStarted('s1'))).toMatchObject({ kind: 'platform', code: 'API_BAD_RESPONSE' });
  });

  it('refuses to start without a token', () => {
    expect(() => new HttpWorkerApi({ apiUrl: url, workerToken: '' })).toThrow(/WORKER_TOKEN/);
  });
});
