import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parse } from 'csv-parse/sync';
import { csvCell, toCsv } from '../../../src/api/csv.js';
import { HttpError, toHttpError } from '../../../src/api/http-error.js';
import { parseRequest } from '../../../src/api/validate.js';
import { GraderError, NotGradableError, PlatformError, UsageError } from '../../../src/errors.js';

describe('toHttpError', () => {
  const status = (e: unknown) => toHttpError(e).error.status;

  it('maps the typed errors onto statuses', () => {
    expect(status(new NotGradableError('TOO_LARGE', 'big'))).toBe(413);
    expect(status(new NotGradableError('UNSUPPORTED_TYPE', 'pdf'))).toBe(415);
    expect(status(new NotGradableError('ZIP_BOMB', 'bomb'))).toBe(422);
    expect(status(new UsageError('SUBMISSION_NOT_FOUND', 'no'))).toBe(404);
    expect(status(new UsageError('UNKNOWN_ASSIGNMENT', 'no'))).toBe(404);
    expect(status(new UsageError('REPORT_MISMATCH', 'other'))).toBe(422);
    expect(status(new UsageError('STUDENT_ID_TAKEN', 'dup'))).toBe(409);
    expect(status(new HttpError(429, 'TOO_MANY_SUBMISSIONS', 'wait'))).toBe(429);
  });

  it('passes student and usage messages through, and hides platform and unknown internals', () => {
    const student = toHttpError(new NotGradableError('NOT_A_NOTEBOOK', 'hw.ipynb is not a Jupyter notebook'));
    expect(student).toMatchObject({ internal: false, error: { code: 'NOT_A_NOTEBOOK', detail: 'hw.ipynb is not a Jupyter notebook' } });

    const platform = toHttpError(new PlatformError('DATABASE_ERROR', 'store.createSubmission failed on postgres://db.internal/prod: timeout'));
    expect(platform).toMatchObject({ internal: true, error: { status: 503, code: 'DATABASE_ERROR' } });
    expect(platform.error.detail).not.toMatch(/db\.internal/);
    expect(platform.error.extra.headers).toEqual({ 'Retry-After': '30' });

    const grader = toHttpError(new GraderError('BAD_STARTER', '/srv/graders/u05/starter.ipynb missing'));
    expect(grader).toMatchObject({ internal: true, error: { status: 500 } });
    expect(grader.error.detail).not.toMatch(/srv/);

    const unknown = toHttpError(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(unknown).toMatchObject({ internal: true, error: { status: 500, code: 'INTERNAL', detail: 'an unexpected error occurred; it has been logged' } });
  });
});

/** What Express' JSON body parser throws for a body sent with these headers. */
async function jsonParserError(headers: Record<string, string>, body: Buffer): Promise<unknown> {
  const app = express();
  let caught: unknown = 'no error';
  app.post('/', express.json(), (_req: Request, res: Response) => void res.end());
  app.use((e: unknown, _req: Request, res: Response, _next: NextFunction) => {
    caught = e;
    res.status(500).end();
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: new Uint8Array(body) });
  } finally {
    server.close();
  }
  return caught;
}

describe('toHttpError on body parser failures', () => {
  it('answers 400 BAD_ENCODING for a gzip-encoded body that is not gzip', async () => {
    const thrown = await jsonParserError({ 'content-encoding': 'gzip' }, Buffer.from('this is not gzip'));
    expect(toHttpError(thrown)).toMatchObject({ internal: false, error: { status: 400, code: 'BAD_ENCODING' } });
    const deflated = await jsonParserError({ 'content-encoding': 'deflate' }, Buffer.from('nor deflate'));
    expect(toHttpError(deflated)).toMatchObject({ internal: false, error: { status: 400, code: 'BAD_ENCODING' } });
  });

  it('answers 415 for an encoding the parser does not know', async () => {
    const thrown = await jsonParserError({ 'content-encoding': 'bogus' }, Buffer.from('{}'));
    expect(toHttpError(thrown)).toMatchObject({ internal: false, error: { status: 415, code: 'UNSUPPORTED_ENCODING' } });
  });
});

describe('parseRequest', () => {
  const req = (parts: Partial<Pick<Request, 'params' | 'query' | 'body'>>) => ({ params: {}, query: {}, body: undefined, ...parts }) as Request;

  it('returns the parsed parts', () => {
    const parsed = parseRequest(req({ params: { id: 'a1' }, query: { n: '3' } }), {
      params: z.object({ id: z.string() }),
      query: z.object({ n: z.coerce.number() }),
    });
    expect(parsed).toEqual({ params: { id: 'a1' }, query: { n: 3 }, body: undefined });
  });

  it('throws one 400 naming every bad field', () => {
    let thrown: unknown;
    try {
      parseRequest(req({ params: { id: '' }, body: { n: 'x' } }), { params: z.object({ id: z.string().min(1) }), body: z.object({ n: z.number(), m: z.string() }) });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(HttpError);
    const error = thrown as HttpError;
    expect(error.status).toBe(400);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.detail.split('; ').map((p) => p.split(':')[0])).toEqual(['params.id', 'body.n', 'body.m']);
  });
});

describe('toCsv', () => {
  const columns: Array<[string, (r: { name: unknown; note?: unknown; score?: unknown }) => unknown]> = [
    ['name', (r) => r.name],
    ['note', (r) => r.note],
    ['score', (r) => r.score],
  ];

  it('quotes every cell, doubles quotes, ends records with CRLF', () => {
    const csv = toCsv([{ name: 'Ada, L.', note: 'said "hi"\nthen left', score: 7.5 }, { name: 'Bo', note: null, score: -1 }], columns);
    expect(csv).toBe('"name","note","score"\r\n"Ada, L.","said ""hi""\nthen left","7.5"\r\n"Bo","","-1"\r\n');
  });

  it.each([
    ['=HYPERLINK("http://evil","x")'],
    ['+1+1'],
    ['-2+3'],
    ['@SUM(A1)'],
    ['\t=1+1'],
    ['\r=1+1'],
    ['  =1+1'],
    ['x;=HYPERLINK("http://evil")'],
    ['x,=1+1'],
    ['x\t@SUM(A1)'],
    ['a; +cmd|" /C calc"!A0'],
  ])('defuses %j with a leading quote', (text) => {
    expect(csvCell(text)).toBe(`'${text}`);
    const row = toCsv([{ name: text }], [['name', (r: { name: string }) => r.name]]).split('\r\n')[1]!;
    expect(row.startsWith(`"'`)).toBe(true);
  });

  it('leaves plain text, numbers and dates alone', () => {
    expect(csvCell('Übung 1.ipynb')).toBe('Übung 1.ipynb');
    expect(csvCell('e-mail me')).toBe('e-mail me');
    expect(csvCell(-1)).toBe('-1');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(new Date('2026-01-02T03:04:05Z'))).toBe('2026-01-02T03:04:05.000Z');
    expect(csvCell(undefined)).toBe('');
  });

  it('is read back by a CSV parser as the same cells', () => {
    const rows = [{ name: 'x;=HYPERLINK("a")', note: 'line\r\nbreak', score: 3 }];
    expect(parse(toCsv(rows, columns))).toEqual([
      ['name', 'note', 'score'],
      [`'x;=HYPERLINK("a")`, 'line\r\nbreak', '3'],
    ]);
  });
});
