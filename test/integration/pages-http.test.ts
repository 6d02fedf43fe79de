/**
 * The pages over plain HTTP on the real API (SQLite, real Redis; reports recorded as a
 * worker would): sign-in and sessions, CSRF on every state change, what a student may
 * see, escaping of hostile notebooks on the server, the instructor's class page.
 * The browser suite (test/browser) drives the same pages in Chromium with a real worker.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CPU_ASSIGNMENT,
  notebookBytes,
  probeRedis,
  reportFor,
  sqliteBackend,
  startApi,
  upload,
  type RunningApi,
} from '../helpers/api-service.js';
import { getPage, hostileNotebookBytes, signIn, type PageSession } from '../helpers/pages.js';
import { requireService } from '../helpers/services.js';

const redisWhy = await probeRedis();
const haveRedis = requireService('Redis', redisWhy === undefined, redisWhy ?? '');

describe.skipIf(!haveRedis)('pages over HTTP', () => {
  let api: RunningApi;
  let student: PageSession;
  let instructor: PageSession;

  async function uploadAs(token: string, bytes = notebookBytes()): Promise<string> {
    const response = await upload(api.url, CPU_ASSIGNMENT, { token, bytes });
    const body = (await response.json()) as { id: string };
    expect(response.status, JSON.stringify(body)).toBe(202);
    return body.id;
  }

  beforeAll(async () => {
    api = await startApi({ backend: sqliteBackend, prefix: `test-pages-${randomBytes(4).toString('hex')}` });
    student = await signIn(api.url, api.tokens.student);
    instructor = await signIn(api.url, api.tokens.instructor);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('sends a signed-out visitor to sign in, and refuses a wrong token', async () => {
    const home = await getPage(api.url, '/');
    expect(home.status).toBe(303);
    expect(home.headers.get('location')).toBe('/sign-in');
    const form = await fetch(`${api.url}/sign-in`);
    const login = /ag_login=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1]!;
    const csrf = /name="_csrf" value="([^"]*)"/.exec(await form.text())![1]!;
    const wrong = await fetch(`${api.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: `ag_login=${login}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, token: 'ag_wrong' }).toString(),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie') ?? '').not.toContain('ag_session=');
    // A worker's token is not for people.
    const worker = await fetch(`${api.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: `ag_login=${login}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, token: api.tokens.worker }).toString(),
    });
    expect(worker.status).toBe(401);
  });

  it('refuses a sign-in form without its CSRF token (login CSRF)', async () => {
    const response = await fetch(`${api.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: api.tokens.student }).toString(),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie') ?? '').not.toContain('ag_session=');
  });

  it('sets an HttpOnly, SameSite=Strict session cookie, and sends every page with a strict CSP', async () => {
    const form = await fetch(`${api.url}/sign-in`);
    const login = /ag_login=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')![1]!;
    const answer = await fetch(`${api.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: `ag_login=${login}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: /name="_csrf" value="([^"]*)"/.exec(await form.text())![1]!, token: api.tokens.student }).toString(),
    });
    const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('ag_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const home = await getPage(api.url, '/', student);
    expect(home.status).toBe(200);
    const csp = home.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(home.text).not.toMatch(/<script>/);
    expect(home.text).toContain(CPU_ASSIGNMENT);
  });

  it('rejects a tampered session cookie', async () => {
    const tampered = { ...student, cookie: student.cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) };
    expect((await getPage(api.url, '/', tampered)).status).toBe(303);
  });

  it('uploads from the page form through the API and redirects to the submission; refuses a form without the CSRF token', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(notebookBytes())]), 'hw.ipynb');
    const refused = await fetch(`${api.url}/api/assignments/${CPU_ASSIGNMENT}/submissions`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: student.cookie, accept: 'text/html' },
      body: form,
    });
    expect(refused.status).toBe(403);
    const before = (await api.stored()).submissions;
    const accepted = await fetch(`${api.url}/api/assignments/${CPU_ASSIGNMENT}/submissions?csrf=${encodeURIComponent(student.csrf)}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: student.cookie, accept: 'text/html,application/xhtml+xml' },
      body: form,
    });
    expect(accepted.status).toBe(303);
    const location = accepted.headers.get('location')!;
    expect(location).toMatch(/^\/submissions\/[0-9a-f-]{36}$/);
    expect((await api.stored()).submissions).toBe(before + 1);
    const page = await getPage(api.url, location, student);
    expect(page.text).toContain('data-live-submission');
    // A session may not borrow another session's CSRF token.
    const crossed = await fetch(`${api.url}/api/assignments/${CPU_ASSIGNMENT}/submissions?csrf=${encodeURIComponent(instructor.csrf)}`, {
      method: 'POST',
      headers: { cookie: student.cookie },
      body: form,
    });
    expect(crossed.status).toBe(403);
  });

  it('shows a student their report without hidden checks, and another student nothing', async () => {
    const id = await uploadAs(api.tokens.student);
    await api.store.recordResult(id, { ...reportFor(id, CPU_ASSIGNMENT), checks: reportFor(id, CPU_ASSIGNMENT).checks.map((c) => ({ ...c, cells: [1] })) });
    const mine = await getPage(api.url, `/submissions/${id}`, student);
    expect(mine.status).toBe(200);
    expect(mine.text).toContain('data-check="softmax.reference"');
    expect(mine.text).not.toContain('softmax.stability');
    expect(mine.text).not.toContain('feedback of softmax.stability');
    // The visible check's feedback sits beside cell 2, the cell it names.
    expect(mine.text).toMatch(/id="cell-2">[\s\S]*<aside class="cell-feedback"><section class="check[^"]*" data-check="softmax.reference"/);
    expect(mine.text).toContain('6 / 6');
    expect(mine.text).not.toContain('Regrade');

    const other = await signIn(api.url, api.tokens.student2);
    const theirs = await getPage(api.url, `/submissions/${id}`, other);
    expect(theirs.status).toBe(404);
    expect(theirs.text).not.toContain('softmax.reference');

    const staff = await getPage(api.url, `/submissions/${id}`, instructor);
    expect(staff.text).toContain('softmax.stability');
    expect(staff.text).toContain('History of results');
    expect(staff.text).toContain('data-regrade');
  });

  it('renders a hostile notebook inert: no script, no event handler, no javascript: URL, huge output truncated', async () => {
    const id = await uploadAs(api.tokens.student, hostileNotebookBytes());
    const page = await getPage(api.url, `/submissions/${id}`, student);
    expect(page.status).toBe(200);
    const main = page.text.slice(page.text.indexOf('<main>'));
    // Attack text may stay visible as text; no tag may carry it. (Booleans: the page is too big to print.)
    const tags = main.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.filter((t) => /^<(script|iframe|object|embed|style|form|base|meta|link)\b/i.test(t))).toEqual([]);
    expect(tags.filter((t) => /\son[a-z]+\s*=/i.test(t))).toEqual([]);
    expect(tags.filter((t) => /(href|src)\s*=\s*"\s*javascript:/i.test(t))).toEqual([]);
    // Images only as data: URLs (nothing fetched on the student's behalf).
    expect(tags.filter((t) => /^<img\b/i.test(t) && !/src="data:/.test(t))).toEqual([]);
    expect(main.includes('<b>bold</b>')).toBe(true);
    expect(main.includes('&lt;script&gt;window.__pwned=9&lt;/script&gt;')).toBe(true);
    expect(/more characters not shown/.test(main)).toBe(true);
    expect(page.text.length).toBeLessThan(200_000);
  });

  it('regrades from the page form (CSRF-checked) and redirects to the submission', async () => {
    const id = await uploadAs(api.tokens.student);
    await api.store.recordResult(id, reportFor(id, CPU_ASSIGNMENT));
    const refused = await fetch(`${api.url}/api/submissions/${id}/regrade`, { method: 'POST', headers: { cookie: instructor.cookie } });
    expect(refused.status).toBe(403);
    const byStudent = await fetch(`${api.url}/api/submissions/${id}/regrade?csrf=${encodeURIComponent(student.csrf)}`, {
      method: 'POST',
      headers: { cookie: student.cookie },
    });
    expect(byStudent.status).toBe(403);
    const regrade = await fetch(`${api.url}/api/submissions/${id}/regrade?csrf=${encodeURIComponent(instructor.csrf)}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: instructor.cookie, accept: 'text/html' },
    });
    expect(regrade.status).toBe(303);
    expect(regrade.headers.get('location')).toBe(`/submissions/${id}`);
    expect((await api.store.getSubmission(id))?.status).toBe('queued');
  });

  it("shows the instructor the class: table, histogram, pass rates, objectives, CSV; and keeps students out", async () => {
    const a = await uploadAs(api.tokens.student);
    await api.store.recordResult(a, reportFor(a, CPU_ASSIGNMENT, { 'softmax.stability': 0 }));
    const b = await uploadAs(api.tokens.student2);
    await api.store.recordResult(b, reportFor(b, CPU_ASSIGNMENT));
    const page = await getPage(api.url, `/instructor/assignments/${CPU_ASSIGNMENT}?sort=score&dir=desc`, instructor);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<svg class="histogram"');
    expect(page.text).toContain('data-check-rate="softmax.stability"');
    expect(page.text).toMatch(/data-check-rate="softmax.stability">[\s\S]*?data-pass-rate="0.5"/);
    expect(page.text).toContain('data-objective="TM-Softmax"');
    expect(page.text).toContain(`/api/assignments/${CPU_ASSIGNMENT}/submissions?format=csv`);
    // Sorted by score, highest first: student2 (10) above student (7).
    expect(page.text.indexOf('data-student="s1002"')).toBeLessThan(page.text.indexOf('data-student="s1001"'));
    const csv = await fetch(`${api.url}/api/assignments/${CPU_ASSIGNMENT}/submissions?format=csv`, { headers: { cookie: instructor.cookie } });
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain('submission_id');

    const asStudent = await getPage(api.url, `/instructor/assignments/${CPU_ASSIGNMENT}`, student);
    expect(asStudent.status).toBe(403);
    expect(asStudent.text).not.toContain('histogram');
  });

  it('signs out with the CSRF token only', async () => {
    const session = await signIn(api.url, api.tokens.student);
    const forged = await fetch(`${api.url}/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(forged.status).toBe(403);
    const out = await fetch(`${api.url}/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: session.csrf }).toString(),
    });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().join(';')).toMatch(/ag_session=;/);
  });
});
