/**
 * The API's input side under attack, against real Redis and real stores (SQLite and
 * PostgreSQL), as found probing it (issue 7, findings 2, 3, 7, 8):
 * - a zip bomb within the old limits, a notebook of 250,000 cells: refused, and no
 *   temporary file is left behind, whatever the answer;
 * - ten concurrent uploads against an hourly limit of 2: exactly 2 accepted;
 * - a user's uploads in progress are bounded;
 * - control characters in file names are not stored; CSV cells cannot become formulas;
 * - a JSON body that fails to decompress is a 400 with the JSON error body.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { gzipSync } from 'node:zlib';
import {
  CPU_ASSIGNMENT,
  GPU_ASSIGNMENT,
  call,
  notebookBytes,
  startApi,
  storeBackendsAvailable,
  upload,
  type RunningApi,
} from '../helpers/api-service.js';
import { ratioBomb } from '../unit/submission/helpers/bombs.js';

const backends = await storeBackendsAvailable();

/** Uploads one user may have in progress in these tests: the race below sends ten at once. */
const PER_USER = 10;

const BOUNDARY = 'hardening-boundary';

/**
 * A multipart body whose file name arrives with every character it has: as RFC 5987
 * `filename*`, which multipart parsers decode (FormData would escape control characters).
 */
function multipartBody(fileName: string, bytes: Uint8Array): Buffer {
  const encoded = [...Buffer.from(fileName, 'utf8')].map((b) => (/[A-Za-z0-9._-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
  const disposition = `form-data; name="file"; filename*=UTF-8''${encoded}`;
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\nContent-Type: application/octet-stream\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

/**
 * An upload whose body is sent only up to `head` bytes and then held: the server has
 * accepted it as in progress and is writing its temporary file.
 */
function heldUpload(baseUrl: string, token: string, body: Buffer, head: number): { req: ClientRequest; answer: Promise<number> } {
  const url = new URL(`${baseUrl}/api/assignments/${CPU_ASSIGNMENT}/submissions`);
  const req = request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': body.length },
  });
  const answer = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
  req.write(body.subarray(0, head));
  return { req, answer };
}

for (const [name, backend, available] of backends) {
  describe.skipIf(!available)(`API input hardening on ${name}`, () => {
    let api: RunningApi;
    const prefix = `test-hardening-${name}-${randomBytes(4).toString('hex')}`;
    const tempDir = () => join(api.dataDir, 'tmp', 'uploads');
    const tempFiles = () => readdirSync(tempDir());

    beforeAll(async () => {
      api = await startApi({ backend, prefix, uploadConcurrency: { perUser: PER_USER, perUserWaiting: 1 } });
    });
    afterAll(async () => {
      await api?.close();
    });

    async function freshStudent(): Promise<string> {
      const user = await api.store.createUser({ role: 'student', name: 'fresh student', studentId: `s-${randomBytes(4).toString('hex')}` });
      return api.store.createToken(user.id);
    }

    async function setPolicy(assignmentId: string, policy: Record<string, unknown>) {
      const response = await call(api.url, 'PUT', `/api/assignments/${assignmentId}/policy`, { token: api.tokens.instructor, body: policy });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    }

    it('removes the temporary file of an accepted upload and of every refusal', async () => {
      const answers = [
        await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student }),
        await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, bytes: Buffer.from('{"cells": 3}') }),
        await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, bytes: Buffer.from('%PDF-1.7'), name: 'report.pdf' }),
      ];
      expect(answers.map((a) => a.status)).toEqual([202, 422, 415]);
      expect(tempFiles()).toEqual([]);
    });

    it('refuses the 1.4 MB zip that inflates to 265 MB, storing nothing and leaving no file behind', async () => {
      const before = await api.stored();
      const zip = ratioBomb(notebookBytes(), { total: 265_000_000, ratio: 190 });
      const response = await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, bytes: zip, name: 'hw.zip' });
      const body = await response.json();
      expect(response.status).toBe(422);
      expect(body).toMatchObject({ error: 'ZIP_BOMB' });
      expect(await api.stored()).toEqual(before);
      expect(tempFiles()).toEqual([]);
    });

    it('refuses a 19 MB notebook of 250,000 empty cells with 422 TOO_MANY_CELLS', async () => {
      const cell = '{"cell_type":"code","metadata":{},"execution_count":null,"outputs":[],"source":""}';
      const text = `{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[${Array.from({ length: 250_000 }, () => cell).join(',')}]}`;
      const response = await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student, bytes: Buffer.from(text) });
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ error: 'TOO_MANY_CELLS', detail: expect.stringMatching(/limit is 5000/) });
      expect(tempFiles()).toEqual([]);
    });

    it('accepts exactly the hourly limit of ten concurrent uploads', async () => {
      await setPolicy(GPU_ASSIGNMENT, { maxSubmissionsPerHour: 2 });
      try {
        const token = await freshStudent();
        const statuses = await Promise.all(
          Array.from({ length: PER_USER }, async (_, i) => {
            const response = await upload(api.url, GPU_ASSIGNMENT, { token, bytes: notebookBytes(` # race ${i}`) });
            const body = await response.json();
            if (response.status === 429) {
              expect(body).toMatchObject({ error: 'TOO_MANY_SUBMISSIONS' });
              expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
            }
            return response.status;
          }),
        );
        expect(statuses.filter((s) => s === 202)).toHaveLength(2);
        expect(statuses.filter((s) => s === 429)).toHaveLength(PER_USER - 2);
        expect(tempFiles()).toEqual([]);
      } finally {
        await setPolicy(GPU_ASSIGNMENT, { maxSubmissionsPerHour: null });
      }
    });

    it('bounds the uploads one user has in progress, and gives back the turns of uploads cut off', async () => {
      const token = await freshStudent();
      const body = multipartBody('big.ipynb', Buffer.alloc(1024 * 1024, 0x20));
      const holdAll = async () => {
        const held = Array.from({ length: PER_USER }, () => heldUpload(api.url, token, body, 64 * 1024));
        // Every held upload has reached its temporary file: the user's slots are all taken.
        await vi.waitFor(() => expect(tempFiles()).toHaveLength(PER_USER), { timeout: 10_000 });
        return held;
      };
      const cutOff = async (held: Array<{ req: ClientRequest; answer: Promise<number> }>) => {
        for (const h of held) h.req.destroy();
        await Promise.all(held.map((h) => h.answer));
        await vi.waitFor(() => expect(tempFiles()).toEqual([]), { timeout: 10_000 });
      };

      const held = await holdAll();
      // Two more: one waits for a turn (its body unread), the other finds the line full.
      const extra = [heldUpload(api.url, token, body, 64 * 1024), heldUpload(api.url, token, body, 64 * 1024)];
      try {
        const first = await Promise.race(extra.map((h, i) => h.answer.then((status) => ({ status, i }))));
        expect(first.status).toBe(429);
        // Another student is not affected.
        expect((await upload(api.url, CPU_ASSIGNMENT, { token: api.tokens.student2 })).status).toBe(202);
      } finally {
        // The waiting one gives up first, then the others are cut off.
        for (const h of extra) h.req.destroy();
        await Promise.all(extra.map((h) => h.answer));
        await cutOff(held);
      }
      // Every turn came back, the abandoned waiter's included: all of them can be taken again.
      await cutOff(await holdAll());
      expect((await upload(api.url, CPU_ASSIGNMENT, { token })).status).toBe(202);
    });

    it('stores file names without control or bidi characters', async () => {
      const response = await fetch(`${api.url}/api/assignments/${CPU_ASSIGNMENT}/submissions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.tokens.student}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        body: new Uint8Array(multipartBody('hw\u001b]0;owned\u0007\u009b31m\u202egnp.ipynb', notebookBytes())),
      });
      const body = await response.json();
      expect(response.status, JSON.stringify(body)).toBe(202);
      expect((await api.store.getSubmission(body.id))?.fileName).toBe('hw]0;owned31mgnp.ipynb');
    });

    it('exports file names and student names that look like formulas as text in the CSV', async () => {
      const user = await api.store.createUser({ role: 'student', name: '@SUM(1+1)*cmd|" /C calc"!A0', studentId: `s-${randomBytes(4).toString('hex')}` });
      const token = await api.store.createToken(user.id);
      const response = await fetch(`${api.url}/api/assignments/${CPU_ASSIGNMENT}/submissions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        body: new Uint8Array(multipartBody('x;=HYPERLINK("evil.example","open").ipynb', notebookBytes())),
      });
      expect(response.status).toBe(202);
      const csv = await call(api.url, 'GET', `/api/assignments/${CPU_ASSIGNMENT}/submissions?format=csv`, { token: api.tokens.instructor });
      const row = (csv.body as string).split('\r\n').find((line) => line.includes('HYPERLINK'));
      expect(row).toContain(`"'x;=HYPERLINK(""evil.example"",""open"").ipynb"`);
      expect(row).toContain(`"'@SUM(1+1)*cmd|"" /C calc""!A0"`);
      // Every cell quoted: a reader splitting on ';' cannot make a formula cell of it.
      expect(row!.split('","').every((cell) => !/^=|^"=/.test(cell))).toBe(true);
    });

    it('answers a gzip-encoded body that is not gzip with 400 and the JSON error body', async () => {
      const send = (encoding: string, payload: Uint8Array) =>
        fetch(`${api.url}/api/assignments/${CPU_ASSIGNMENT}/policy`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${api.tokens.instructor}`, 'content-type': 'application/json', 'content-encoding': encoding },
          body: new Uint8Array(payload),
        });
      const garbage = await send('gzip', randomBytes(200));
      expect(garbage.status).toBe(400);
      expect(await garbage.json()).toMatchObject({ error: 'BAD_ENCODING', detail: expect.any(String) });
      const unknown = await send('bogus', Buffer.from('{}'));
      expect(unknown.status).toBe(415);
      expect(await unknown.json()).toMatchObject({ error: 'UNSUPPORTED_ENCODING' });
      const real = await send('gzip', gzipSync(JSON.stringify({ maxSubmissionsPerHour: null })));
      expect(real.status).toBe(200);
    });
  });
}
