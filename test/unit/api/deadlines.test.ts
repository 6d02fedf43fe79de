import { describe, expect, it } from 'vitest';
import { applyLatePenalty, daysLate, lateDecision, lateMessage, retryAfterSeconds } from '../../../src/api/deadlines.js';
import { studentReport } from '../../../src/api/report-view.js';
import { GradeReportSchema, type GradeReport } from '../../../src/grading/report.js';

const DUE = new Date('2026-03-01T23:59:00Z');
const at = (iso: string) => new Date(iso);

function report(points: { visible: number; hidden: number; afterDue: number }): GradeReport {
  const check = (id: string, p: number, max: number, visibility: 'visible' | 'hidden' | 'after_due', objectives: string[]) => ({
    id,
    title: id,
    points: p,
    maxPoints: max,
    status: p >= max ? 'passed' : p > 0 ? 'partial' : 'failed',
    feedback: '',
    visibility,
    objectives,
  });
  return GradeReportSchema.parse({
    schemaVersion: 1,
    assignment: { id: 'u05-softmax', version: 'v' },
    submission: { id: 's1', file: 'hw.ipynb' },
    gradable: true,
    score: points.visible + points.hidden + points.afterDue,
    maxScore: 10,
    checks: [
      check('softmax.reference', points.visible, 6, 'visible', ['TM-Softmax']),
      check('softmax.stability', points.hidden, 3, 'hidden', ['TM-Softmax', 'TM-Stability']),
      check('narrative', points.afterDue, 1, 'after_due', ['OG-Communication']),
    ],
    objectives: [],
    errors: [],
    timings: { totalMs: 1, sandboxMs: 1 },
    environment: { sandbox: 'process', tensorBackend: 'wasm', graderVersion: 't' },
  });
}

describe('lateness', () => {
  it('counts started days after the due date', () => {
    expect(daysLate(at('2026-03-01T23:59:00Z'), DUE)).toBe(0);
    expect(daysLate(at('2026-03-01T12:00:00Z'), DUE)).toBe(0);
    expect(daysLate(at('2026-03-02T00:00:00Z'), DUE)).toBe(1);
    expect(daysLate(at('2026-03-02T23:59:00Z'), DUE)).toBe(1);
    expect(daysLate(at('2026-03-02T23:59:01Z'), DUE)).toBe(2);
    expect(daysLate(at('2030-01-01T00:00:00Z'), null)).toBe(0);
  });

  it('decides per policy: accept, reject, penalty up to maxDaysLate', () => {
    const twoDays = at('2026-03-03T12:00:00Z');
    expect(lateDecision({ kind: 'accept' }, DUE, twoDays)).toEqual({ kind: 'late', daysLate: 2, percentPerDay: 0, penaltyPercent: 0 });
    expect(lateDecision({ kind: 'reject' }, DUE, twoDays)).toMatchObject({ kind: 'refused', reason: expect.stringContaining('2026-03-01T23:59:00.000Z') });
    expect(lateDecision({ kind: 'reject' }, DUE, at('2026-03-01T10:00:00Z'))).toEqual({ kind: 'on_time' });
    const penalty = { kind: 'penalty' as const, percentPerDay: 10, maxDaysLate: 2 };
    expect(lateDecision(penalty, DUE, twoDays)).toEqual({ kind: 'late', daysLate: 2, percentPerDay: 10, penaltyPercent: 20 });
    expect(lateDecision(penalty, DUE, at('2026-03-04T00:00:01Z'))).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/accepted for 2 days .* 3 days late/) });
    expect(lateDecision({ kind: 'penalty', percentPerDay: 40, maxDaysLate: 5 }, DUE, at('2026-03-04T12:00:00Z'))).toMatchObject({ penaltyPercent: 100 });
  });

  it('applies the penalty to the score and says so, idempotently', () => {
    const original = report({ visible: 6, hidden: 3, afterDue: 1 });
    const policy = { kind: 'penalty' as const, percentPerDay: 10, maxDaysLate: 5 };
    const late = applyLatePenalty(original, policy, DUE, at('2026-03-03T08:00:00Z'));
    expect(late.score).toBe(8);
    expect(late.late).toEqual({
      dueAt: '2026-03-01T23:59:00.000Z',
      submittedAt: '2026-03-03T08:00:00.000Z',
      daysLate: 2,
      percentPerDay: 10,
      penaltyPercent: 20,
      scoreBeforePenalty: 10,
      message: 'Submitted 2 days late: −20% (10% per day)',
    });
    expect(applyLatePenalty(late, policy, DUE, at('2026-03-03T08:00:00Z'))).toEqual(late);
    expect(GradeReportSchema.parse(late)).toEqual(late);
    expect(applyLatePenalty(original, policy, DUE, at('2026-03-01T08:00:00Z'))).toEqual(original);
    expect(applyLatePenalty(original, { kind: 'reject' }, DUE, at('2026-03-03T08:00:00Z')).late?.message).toBe('Submitted 2 days late: accepted without penalty');
  });

  it('writes one-line messages', () => {
    expect(lateMessage(1, 12.5, 12.5)).toBe('Submitted 1 day late: −12.5% (12.5% per day)');
    expect(lateMessage(3, 0, 0)).toBe('Submitted 3 days late: accepted without penalty');
  });
});

describe('hourly limit', () => {
  const now = at('2026-03-01T12:00:00Z');
  it('is 0 with room left, else the seconds until the oldest counted upload leaves the hour', () => {
    expect(retryAfterSeconds([at('2026-03-01T11:30:00Z')], 2, now)).toBe(0);
    expect(retryAfterSeconds([at('2026-03-01T11:50:00Z'), at('2026-03-01T11:20:00Z')], 2, now)).toBe(20 * 60);
    // Three in the window with a limit of 2: room returns when the second newest leaves.
    expect(retryAfterSeconds([at('2026-03-01T11:10:00Z'), at('2026-03-01T11:40:00Z'), at('2026-03-01T11:55:00Z')], 2, now)).toBe(40 * 60);
    expect(retryAfterSeconds([at('2026-03-01T10:59:00Z'), at('2026-03-01T11:55:00Z')], 2, now)).toBe(0);
  });
});

describe('student view of a report', () => {
  it('hides hidden checks, and after_due ones until the due date, recomputing score and objectives', () => {
    const full = report({ visible: 4, hidden: 3, afterDue: 1 });
    const before = studentReport(full, DUE, at('2026-03-01T00:00:00Z'));
    expect(before.checks.map((c) => c.id)).toEqual(['softmax.reference']);
    expect(before).toMatchObject({ score: 4, maxScore: 6, objectives: [{ id: 'TM-Softmax', points: 4, maxPoints: 6 }] });

    const after = studentReport(full, DUE, at('2026-03-02T00:00:00Z'));
    expect(after.checks.map((c) => c.id)).toEqual(['softmax.reference', 'narrative']);
    expect(after).toMatchObject({ score: 5, maxScore: 7 });
    expect(after.objectives.map((o) => o.id)).toEqual(['OG-Communication', 'TM-Softmax']);

    expect(studentReport(full, null, at('2030-01-01T00:00:00Z')).checks.map((c) => c.id)).toEqual(['softmax.reference']);
  });

  it('applies the late penalty to the visible score', () => {
    const late = applyLatePenalty(report({ visible: 5, hidden: 3, afterDue: 1 }), { kind: 'penalty', percentPerDay: 10, maxDaysLate: 5 }, DUE, at('2026-03-02T08:00:00Z'));
    const view = studentReport(late, DUE, at('2026-03-05T00:00:00Z'));
    expect(view).toMatchObject({ score: 5.4, maxScore: 7, late: { scoreBeforePenalty: 6, penaltyPercent: 10 } });
  });

  it('scores an ungradable report 0', () => {
    const ungradable = { ...report({ visible: 6, hidden: 0, afterDue: 0 }), gradable: false };
    expect(studentReport(ungradable, DUE, at('2026-03-05T00:00:00Z')).score).toBe(0);
  });
});
