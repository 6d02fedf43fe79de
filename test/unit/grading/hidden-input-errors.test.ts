/**
 * On hidden inputs a student sees the exception's type and their own line, never its
 * message: `raise ValueError(repr(x))` would print the grader's inputs. Instructors see it all.
 */
import { describe, expect, it } from 'vitest';
import { studentReport } from '../../../src/api/report-view.js';
import { formatReportText } from '../../../src/cli/format-text.js';
import { callOutcome } from '../../../src/grading/call-outcome.js';
import { functionCheck } from '../../../src/grading/checks/function-check.js';
import { f64 } from '../../../src/grading/inputs.js';
import type { GradeReport } from '../../../src/grading/report.js';
import type { CallResult } from '../../../src/sandbox/protocol.js';
import { contextWith } from '../../helpers/context.js';

const SECRET = 'array([ 1234.5, -987.25])';

const raised = (id: string, line?: { lineno: number; text: string }): CallResult => ({
  id,
  status: 'error',
  ename: 'ValueError',
  evalue: SECRET,
  ...(line ? { line } : {}),
});

describe('exceptions on hidden inputs', () => {
  it("tell the student the type and their own line, and keep the message for the instructor", () => {
    const outcome = callOutcome(contextWith([raised('c#0', { lineno: 3, text: 'raise ValueError(repr(x))' })]), 'c#0', 'softmax');
    expect(outcome).toMatchObject({ ok: false });
    if (outcome.ok) return;
    expect(outcome.reason).toBe('raised ValueError at `raise ValueError(repr(x))` (line 3 of its cell)');
    expect(outcome.reason).not.toContain('1234.5');
    expect(outcome.detail).toContain(SECRET);
  });

  it('say only the type when the harness found no line of the notebook', () => {
    const outcome = callOutcome(contextWith([raised('c#0')]), 'c#0', 'softmax');
    expect(outcome.ok ? '' : outcome.reason).toBe('raised ValueError');
  });

  it('keep the message out of the check feedback and out of the student view, and in the instructor feedback', async () => {
    const check = functionCheck({
      id: 'softmax.values',
      fn: 'softmax',
      signature: 'softmax(x)',
      points: 2,
      cases: [{ label: 'two logits', inputs: [f64([1234.5, -987.25])] }],
      expectedValues: () => [{ values: Float64Array.from([1, 0]), shape: [2], dtype: 'float64' }] as never,
    });
    const ctx = contextWith([raised('softmax.values#0', { lineno: 2, text: 'raise ValueError(repr(x))' })]);
    const verdict = await check.grade(ctx);
    expect(verdict.points).toBe(0);
    expect(verdict.feedback).toMatch(/two logits: raised ValueError at `raise ValueError\(repr\(x\)\)`/);
    expect(verdict.feedback).not.toContain('1234.5');
    expect(verdict.instructorFeedback).toContain(SECRET);

    const report: GradeReport = {
      schemaVersion: 1,
      assignment: { id: 'a', version: 'v' },
      submission: { id: 's', file: 'hw.ipynb' },
      gradable: true,
      score: 0,
      maxScore: 2,
      checks: [{ id: check.id, title: 't', points: 0, maxPoints: 2, status: 'failed', feedback: verdict.feedback, instructorFeedback: verdict.instructorFeedback, visibility: 'visible', objectives: [] }],
      objectives: [],
      errors: [],
      timings: { totalMs: 0, sandboxMs: 0 },
      environment: { sandbox: 'process', tensorBackend: 'cpu', graderVersion: 'x' },
    };
    const student = studentReport(report, null, new Date());
    expect(JSON.stringify(student)).not.toContain('1234.5');
    expect(student.checks[0]).not.toHaveProperty('instructorFeedback');
    // The terminal shows what the report holds: the full text to whoever may have it, never to a student.
    expect(formatReportText(report)).toContain(SECRET);
    expect(formatReportText(student)).not.toContain('1234.5');
  });
});
