import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defineAssignment } from '../../../src/grading/assignment.js';
import type { Check } from '../../../src/grading/assignment.js';
import { summariseClass } from '../../../src/pages/class-summary.js';
import { binScores, histogramSvg } from '../../../src/pages/histogram.js';
import { html } from '../../../src/pages/html.js';
import { renderMarkdown, renderOutput, sanitize } from '../../../src/pages/notebook-view.js';
import { SESSION_TTL_MS, Sessions } from '../../../src/pages/session.js';
import type { StoredResult, Submission, User } from '../../../src/store/rows.js';

describe('html templates', () => {
  it('escape every interpolated value, keep nested templates', () => {
    const name = '<img src=x onerror=alert(1)> & "quotes"';
    expect(html`<p title="${name}">${name}</p>${html`<b>${'ok'}</b>`}`.value).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;">&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;</p><b>ok</b>',
    );
  });
});

describe('sessions', () => {
  let now = new Date('2026-12-01T08:00:00Z');
  const sessions = new Sessions(randomBytes(32), () => now);

  it('carry the token while signed and unexpired', () => {
    const cookie = sessions.issue('ag_token123');
    expect(sessions.tokenOf(cookie)).toBe('ag_token123');
    now = new Date(now.getTime() + SESSION_TTL_MS + 1);
    expect(sessions.tokenOf(cookie)).toBeUndefined();
  });

  it('refuse a cookie signed with another secret or altered', () => {
    const other = new Sessions(randomBytes(32), () => now).issue('ag_token123');
    expect(sessions.tokenOf(other)).toBeUndefined();
    const cookie = sessions.issue('ag_token123');
    const [payload, signature] = cookie.split('.');
    const forged = Buffer.from(JSON.stringify({ t: 'ag_other', exp: now.getTime() + 1e9 })).toString('base64url');
    expect(sessions.tokenOf(`${forged}.${signature}`)).toBeUndefined();
    expect(sessions.tokenOf(`${payload}.${signature}x`)).toBeUndefined();
  });

  it('bind the CSRF token to the session', () => {
    const a = sessions.issue('ag_a');
    const b = sessions.issue('ag_b');
    expect(sessions.checkCsrf(a, sessions.csrfFor(a))).toBe(true);
    expect(sessions.checkCsrf(a, sessions.csrfFor(b))).toBe(false);
    expect(sessions.checkCsrf(a, undefined)).toBe(false);
  });
});

describe('notebook rendering', () => {
  it('turns raw HTML in Markdown into text and refuses javascript: links', () => {
    const out = renderMarkdown('<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://example.org)').value;
    expect(out).not.toContain('<script');
    expect(out).not.toMatch(/href="javascript:/);
    expect(out).toContain('&lt;script&gt;');
    expect(out).toContain('href="https://example.org" rel="noopener noreferrer nofollow" target="_blank"');
  });

  it('sanitises HTML outputs and keeps tables and data: images', () => {
    const out = sanitize('<table><tr><td onclick="x()">1</td></tr></table><img src="data:image/png;base64,AAAA"><img src="https://tracker.example/x.png"><a href="javascript:x()">a</a>').value;
    expect(out).toContain('<td>1</td>');
    expect(out).toContain('<img src="data:image/png;base64,AAAA" />');
    expect(out).not.toContain('tracker');
    expect(out).not.toContain('javascript');
  });

  it('shows PNG outputs as data: images and refuses non-base64 data', () => {
    expect(renderOutput({ output_type: 'display_data', data: { 'image/png': 'iVBORw0KGgo=\n' } }).value).toContain('src="data:image/png;base64,iVBORw0KGgo="');
    expect(renderOutput({ output_type: 'display_data', data: { 'image/png': '"><script>' } }).value).not.toContain('<script');
  });

  it('cuts long text outputs', () => {
    const out = renderOutput({ output_type: 'stream', name: 'stdout', text: 'x'.repeat(50_000) }).value;
    expect(out).toContain('30,000 more characters not shown');
  });
});

describe('the histogram', () => {
  it('bins by share of the maximum, full marks in the top bin', () => {
    const bins = binScores([
      { score: 0, maxScore: 10 },
      { score: 10, maxScore: 10 },
      { score: 9.5, maxScore: 10 },
      { score: 5, maxScore: 10 },
    ]);
    expect(bins.map((b) => b.count)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(histogramSvg(bins, '<title>').value).toContain('<title id="histogram-title">&lt;title&gt;</title>');
  });
});

describe('the class summary', () => {
  const check = (id: string, maxPoints: number, objectives: string[]): Check => ({
    id, title: id, maxPoints, visibility: 'visible', objectives, calls: () => [], grade: () => ({ points: 0, feedback: '' }),
  });
  const definition = defineAssignment({ id: 'x-test', title: 'X', execute: false, checks: [check('a', 2, ['O1']), check('b', 2, ['O1', 'O2'])] });
  const submission = (id: string, userId: string, at: number): Submission => ({
    id, assignmentId: 'x-test', userId, fileName: 'f.ipynb', blobHash: 'h', status: 'graded', attempts: 1, source: 'upload',
    createdAt: new Date(at), updatedAt: new Date(at), enqueuedAt: null, errorMessage: null,
  });
  const result = (submissionId: string, a: number, b: number): StoredResult => ({
    id: `r-${submissionId}`, submissionId, score: a + b, maxScore: 4, graderVersion: 't', isCurrent: true, createdAt: new Date(0),
    report: {
      schemaVersion: 1, assignment: { id: 'x-test', version: 'v' }, submission: { id: submissionId, file: 'f' }, gradable: true,
      score: a + b, maxScore: 4, objectives: [], errors: [], timings: { totalMs: 0, sandboxMs: 0 },
      environment: { sandbox: 'none', tensorBackend: 'none', graderVersion: 't' },
      checks: [
        { id: 'a', title: 'a', points: a, maxPoints: 2, status: a === 2 ? 'passed' : 'failed', feedback: '', visibility: 'visible', objectives: ['O1'] },
        { id: 'b', title: 'b', points: b, maxPoints: 2, status: b === 2 ? 'passed' : 'failed', feedback: '', visibility: 'visible', objectives: ['O1', 'O2'] },
      ],
    },
  });

  it("counts each student's latest submission once, with their attempts", () => {
    const users = new Map<string, User>([
      ['u1', { id: 'u1', role: 'student', name: 'Ada', studentId: 's1', createdAt: new Date(0) }],
      ['u2', { id: 'u2', role: 'student', name: 'Bo', studentId: 's2', createdAt: new Date(0) }],
    ]);
    // Newest first, as the store lists them; Ada's older, worse submission does not count.
    const summary = summariseClass(definition, null, [
      { submission: submission('s-new', 'u1', 3), result: result('s-new', 2, 2) },
      { submission: submission('s-2', 'u2', 2), result: result('s-2', 2, 0) },
      { submission: submission('s-old', 'u1', 1), result: result('s-old', 0, 0) },
    ], users);
    expect(summary.rows.map((r) => [r.studentName, r.latest.id, r.attempts])).toEqual([['Ada', 's-new', 2], ['Bo', 's-2', 1]]);
    expect(summary.scores.map((s) => s.score)).toEqual([4, 2]);
    expect(summary.checks.map((c) => [c.id, c.passed, c.graded])).toEqual([['a', 2, 2], ['b', 1, 2]]);
    expect(summary.objectives).toEqual([
      { id: 'O1', students: 2, meanShare: (1 + 0.5) / 2 },
      { id: 'O2', students: 2, meanShare: (1 + 0) / 2 },
    ]);
  });
});
