/**
 * The pages in a real browser: playwright-core drives Debian's Chromium against the whole
 * service on loopback (SQLite, real Redis, an in-process worker grading the real
 * u05-softmax in the process sandbox). Screenshots go to test-artifacts/browser/.
 * Under CI=true a missing Chromium, Redis or Python fails the file instead of skipping it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGradingService, type GradingService } from '../../src/cli/grading-service.js';
import { createLogger } from '../../src/logger.js';
import { findPackageRoot } from '../../src/package-root.js';
import { probeRedis } from '../helpers/api-service.js';
import { EXAMPLE_ASSIGNMENT, exampleNotebook, testConfig, uniquePrefix } from '../helpers/grading-service.js';
import { hostileNotebookBytes } from '../helpers/pages.js';
import { requireService } from '../helpers/services.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumOk = requireService('Chromium for the browser tests', existsSync(CHROMIUM), `${CHROMIUM} does not exist (apt-get install chromium)`);
const python = testConfig({}).python;
const pythonOk = requireService('Python for the process sandbox', existsSync(python), `${python} does not exist`);
const redisWhy = await probeRedis();
const redisOk = requireService('Redis', redisWhy === undefined, redisWhy ?? '');

const GRADE_WAIT_MS = 180_000;
const ARTIFACTS = join(findPackageRoot(), 'test-artifacts', 'browser');

describe.skipIf(!(chromiumOk && pythonOk && redisOk))('the pages in Chromium', () => {
  let dataDir: string;
  let service: GradingService;
  let browser: Browser;
  const tokens: Record<'student' | 'student2' | 'instructor', string> = { student: '', student2: '', instructor: '' };
  const contexts: BrowserContext[] = [];
  let studentSubmission = '';

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'autograder-browser-'));
    const prefix = uniquePrefix('browser');
    service = await startGradingService({
      config: testConfig({ dataDir, databaseUrl: '', workerConcurrency: 2, workerId: prefix }),
      logger: createLogger('silent'),
      port: 0,
      prefix,
    });
    for (const [key, role, studentId] of [
      ['student', 'student', 'b-1001'],
      ['student2', 'student', 'b-1002'],
      ['instructor', 'instructor', null],
    ] as const) {
      const user = await service.store.createUser({ role, name: `${key === 'instructor' ? 'Ines Instructor' : key === 'student' ? 'Sam Student' : 'Sasha Student'}`, studentId });
      tokens[key] = await service.store.createToken(user.id);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await service?.worker?.close({ graceMs: 0 });
    if (service?.queues.redis.status === 'ready') await Promise.all(service.queues.all().map((q) => q.obliterate({ force: true })));
    await service?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A fresh browser profile (its own cookies), with every dialog and page error recorded. */
  async function newPage(): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => errors.push(e.message));
    // Nothing but the service on loopback: a request anywhere else fails the test.
    await context.route((url) => !url.href.startsWith(service.url) && !url.href.startsWith('data:'), (route) => {
      errors.push(`request to ${route.request().url()}`);
      return route.abort();
    });
    return { page, dialogs, errors };
  }

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(`${service.url}/`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await page.fill('#token', token);
    await Promise.all([page.waitForURL((u) => u.pathname !== '/sign-in'), page.click('form.sign-in button[type=submit]')]);
  }

  async function waitForReport(page: Page): Promise<void> {
    await page.locator('[data-score]').waitFor({ state: 'visible', timeout: GRADE_WAIT_MS });
  }

  it('a student signs in, drops a notebook on the upload zone and watches the report arrive', async () => {
    const { page, dialogs, errors } = await newPage();
    await signIn(page, tokens.student);
    await expect(page.locator(`tr[data-assignment="${EXAMPLE_ASSIGNMENT}"]`)).toBeDefined();
    await page.click(`tr[data-assignment="${EXAMPLE_ASSIGNMENT}"] a`);
    expect(new URL(page.url()).pathname).toBe(`/assignments/${EXAMPLE_ASSIGNMENT}`);
    // The page's (deferred) script has attached its drop handler once the page has loaded.
    await page.waitForLoadState('load');

    // Drag and drop: a file dropped on the zone is submitted by the page's script.
    const bytes = [...exampleNotebook()];
    await Promise.all([
      page.waitForURL(/\/submissions\/[0-9a-f-]{36}$/),
      page.evaluate((content) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(content)], 'correct.ipynb', { type: 'application/x-ipynb+json' }));
        const zone = document.querySelector('[data-dropzone]')!;
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }, bytes),
    ]);
    studentSubmission = new URL(page.url()).pathname.split('/').at(-1)!;
    // Live status while it is graded (unless the worker was quicker than the page).
    const live = await page.locator('[data-live-status]').count();
    if (live > 0) expect(['queued', 'running', 'graded']).toContain(await page.locator('[data-live-status]').textContent());
    await waitForReport(page);
    await page.screenshot({ path: join(ARTIFACTS, 'student-report.png'), fullPage: true });
    // The example's correct notebook earns full marks.
    expect(await page.locator('[data-score]').textContent()).toMatch(/^\s*(\d+) \/ \1\s*$/);
    expect(await page.locator('[data-check]').count()).toBeGreaterThan(3);
    expect(await page.locator('.notebook-row').count()).toBeGreaterThan(5);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('uploads with the file picker, and renders a hostile notebook inert', async () => {
    const { page, dialogs, errors } = await newPage();
    await signIn(page, tokens.student2);
    await page.goto(`${service.url}/assignments/${EXAMPLE_ASSIGNMENT}`);
    await page.setInputFiles('input[type=file]', { name: 'hostile.ipynb', mimeType: 'application/x-ipynb+json', buffer: hostileNotebookBytes() });
    await Promise.all([page.waitForURL(/\/submissions\/[0-9a-f-]{36}$/), page.click('form.upload button[type=submit]')]);
    await waitForReport(page);
    await page.screenshot({ path: join(ARTIFACTS, 'hostile-notebook.png'), fullPage: false });

    // Every attempt would set window.__pwned or open a dialog.
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.locator('.markdown script, .html-output script, iframe, object, embed').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    // The output's link lost its javascript: URL: clicking it goes nowhere and runs nothing.
    const link = page.locator('.html-output a', { hasText: 'link' });
    expect(await link.getAttribute('href')).toBeNull();
    await link.click();
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    // The flood of output was cut short, and the script tags show as text.
    expect(await page.locator('.truncated', { hasText: 'more characters not shown' }).count()).toBe(1);
    expect(await page.locator('.output pre', { hasText: '<script>window.__pwned=9</script>' }).count()).toBe(1);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('places feedback beside the cells it is about', async () => {
    const { page, errors } = await newPage();
    await signIn(page, tokens.student2);
    await page.goto(`${service.url}/assignments/${EXAMPLE_ASSIGNMENT}`);
    await page.setInputFiles('input[type=file]', { name: 'starter.ipynb', mimeType: 'application/x-ipynb+json', buffer: exampleNotebook('starter-unchanged.ipynb') });
    await Promise.all([page.waitForURL(/\/submissions\/[0-9a-f-]{36}$/), page.click('form.upload button[type=submit]')]);
    await waitForReport(page);
    // The placeholders check names the cells that still hold a placeholder; its feedback sits in their row.
    const beside = page.locator('.notebook-row .cell-feedback [data-check="placeholders"]');
    expect(await beside.count()).toBeGreaterThan(0);
    const row = page.locator('.notebook-row', { has: page.locator('.cell-feedback [data-check="placeholders"]') }).first();
    expect(await row.locator('.cell-code pre').first().textContent()).toMatch(/\.\.\.|your code here|NotImplementedError/i);
    await row.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'feedback-beside-cells.png'), fullPage: false });
    expect(errors).toEqual([]);
  });

  it("a student cannot open another student's report by URL, nor see a hidden check", async () => {
    // A grader that hides a check (e.g. one kept for after the deadline): its feedback must not reach the student.
    const current = (await service.store.getCurrentResult(studentSubmission))!.report;
    await service.store.recordResult(studentSubmission, {
      ...current,
      checks: [...current.checks, { id: 'secret.hidden', title: 'Secret hidden check', points: 0, maxPoints: 5, status: 'failed', feedback: 'SECRET-FEEDBACK', visibility: 'hidden', objectives: [] }],
      maxScore: current.maxScore + 5,
    });

    const { page: other } = await newPage();
    await signIn(other, tokens.student2);
    const response = await other.goto(`${service.url}/submissions/${studentSubmission}`);
    expect(response?.status()).toBe(404);
    expect(await other.content()).not.toContain('softmax');
    const api = await other.goto(`${service.url}/api/submissions/${studentSubmission}`);
    expect(api?.status()).toBe(404);
    await other.goto(`${service.url}/submissions/${studentSubmission}`);
    await other.screenshot({ path: join(ARTIFACTS, 'other-student-404.png') });

    const { page: owner } = await newPage();
    await signIn(owner, tokens.student);
    await owner.goto(`${service.url}/submissions/${studentSubmission}`);
    await waitForReport(owner);
    const text = await owner.content();
    expect(text).not.toContain('SECRET-FEEDBACK');
    expect(text).not.toContain('secret.hidden');
    // Full marks over the visible checks: the hidden one counts neither way.
    expect(await owner.locator('[data-score]').textContent()).toMatch(/^\s*(\d+) \/ \1\s*$/);
  });

  it('an instructor sees the class, opens a submission, regrades it and sees the new result', async () => {
    const { page, dialogs, errors } = await newPage();
    await signIn(page, tokens.instructor);
    expect(new URL(page.url()).pathname).toBe('/instructor');
    await page.click(`tr[data-assignment="${EXAMPLE_ASSIGNMENT}"] a`);
    await page.waitForLoadState('load');
    expect(await page.locator('svg.histogram').count()).toBe(1);
    // Two students' latest scores, each in one bin.
    const counts = await page.locator('svg.histogram g.bin').evaluateAll((bins) => bins.map((b) => Number(b.getAttribute('data-count'))));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(await page.locator('[data-check-rate]').count()).toBeGreaterThan(3);
    expect(await page.locator('[data-objective="TM-Softmax"]').count()).toBe(1);
    // Sorting in place by clicking a column header (the script, no reload): highest score first, then lowest.
    const url = page.url();
    await page.click('th[data-sort-key="score"] a');
    expect(page.url()).toBe(url);
    expect(await page.locator('th[data-sort-key="score"]').getAttribute('aria-sort')).toBe('descending');
    const scores = () => page.locator('table.class-table tbody td:nth-child(2)').evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-value'))));
    const descending = await scores();
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    await page.click('th[data-sort-key="score"] a');
    expect(await scores()).toEqual([...descending].reverse());
    await page.screenshot({ path: join(ARTIFACTS, 'instructor-assignment.png'), fullPage: true });

    await page.click(`tr[data-student="b-1001"] a`);
    expect(new URL(page.url()).pathname).toBe(`/submissions/${studentSubmission}`);
    const before = await page.locator('table.history tbody tr').count();
    expect(await page.locator('[data-owner]').textContent()).toBe('Sam Student');
    // The instructor sees the hidden check the student did not.
    expect(await page.locator('[data-check="secret.hidden"]').count()).toBe(1);

    await Promise.all([page.waitForURL(`${service.url}/submissions/${studentSubmission}`), page.click('[data-regrade]')]);
    await waitForReport(page);
    await page.locator('table.history tbody tr').nth(before).waitFor({ timeout: GRADE_WAIT_MS });
    expect(await page.locator('table.history tbody tr').count()).toBe(before + 1);
    expect(await page.locator('table.history tbody tr.current').count()).toBe(1);
    // The regrade graded with the real grader again: the injected hidden check is gone.
    expect(await page.locator('[data-check="secret.hidden"]').count()).toBe(0);
    expect(await page.locator('[data-score]').textContent()).toMatch(/^\s*(\d+) \/ \1\s*$/);
    await page.screenshot({ path: join(ARTIFACTS, 'instructor-submission-regraded.png'), fullPage: false });
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });
});
