/**
 * Deadlines and submission limits, as pure functions of the assignment's policy and a
 * clock: whether an upload is accepted, and what a late one costs.
 */
import type { GradeReport, LatePenalty } from '../grading/report.js';
import { penalisedScore } from '../grading/score.js';
import type { LatePolicy } from '../store/rows.js';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const HOUR_MS = 60 * 60 * 1000;

/** Started days after the due date: a minute late is one day late. 0 when on time or without a due date. */
export function daysLate(submittedAt: Date, dueAt: Date | null): number {
  if (dueAt === null) return 0;
  const lateMs = submittedAt.getTime() - dueAt.getTime();
  return lateMs <= 0 ? 0 : Math.ceil(lateMs / DAY_MS);
}

export type LateDecision =
  | { kind: 'on_time' }
  | { kind: 'late'; daysLate: number; percentPerDay: number; penaltyPercent: number }
  | { kind: 'refused'; daysLate: number; reason: string };

export function lateDecision(policy: LatePolicy, dueAt: Date | null, submittedAt: Date): LateDecision {
  const days = daysLate(submittedAt, dueAt);
  if (days === 0 || dueAt === null) return { kind: 'on_time' };
  const due = dueAt.toISOString();
  switch (policy.kind) {
    case 'accept':
      return { kind: 'late', daysLate: days, percentPerDay: 0, penaltyPercent: 0 };
    case 'reject':
      return { kind: 'refused', daysLate: days, reason: `the due date was ${due} and this assignment accepts no late submissions` };
    case 'penalty':
      if (days > policy.maxDaysLate) {
        return {
          kind: 'refused',
          daysLate: days,
          reason: `the due date was ${due}; late submissions are accepted for ${plural(policy.maxDaysLate, 'day')} after it, and this one is ${plural(days, 'day')} late`,
        };
      }
      return { kind: 'late', daysLate: days, percentPerDay: policy.percentPerDay, penaltyPercent: Math.min(100, days * policy.percentPerDay) };
  }
}

/**
 * The report with the late penalty applied to its score and stated in `late`. A report
 * that already carries `late` is penalised from its original score again, so recording
 * the same report twice cannot take the penalty off twice.
 *
 * The upload was accepted, so the penalty follows the per-day rule even if the policy
 * has since changed to refuse it: `penalty` keeps counting days (capped at 100%), and
 * `reject`, which only refuses new uploads, takes nothing off.
 */
export function applyLatePenalty(report: GradeReport, policy: LatePolicy, dueAt: Date | null, submittedAt: Date): GradeReport {
  const { late: previous, ...rest } = report;
  const base = previous?.scoreBeforePenalty ?? report.score;
  const days = daysLate(submittedAt, dueAt);
  if (days === 0 || dueAt === null) return { ...rest, score: base };
  const percentPerDay = policy.kind === 'penalty' ? policy.percentPerDay : 0;
  const penaltyPercent = Math.min(100, days * percentPerDay);
  const late: LatePenalty = {
    dueAt: dueAt.toISOString(),
    submittedAt: submittedAt.toISOString(),
    daysLate: days,
    percentPerDay,
    penaltyPercent,
    scoreBeforePenalty: base,
    message: lateMessage(days, percentPerDay, penaltyPercent),
  };
  return { ...rest, score: penalised(base, penaltyPercent), late };
}

export function penalised(score: number, penaltyPercent: number): number {
  return penalisedScore(score, penaltyPercent);
}

export function lateMessage(days: number, percentPerDay: number, penaltyPercent: number): string {
  const when = `Submitted ${plural(days, 'day')} late`;
  if (penaltyPercent === 0) return `${when}: accepted without penalty`;
  if (percentPerDay === 0) return `${when}: −${formatPercent(penaltyPercent)}`;
  return `${when}: −${formatPercent(penaltyPercent)} (${formatPercent(percentPerDay)} per day)`;
}

/**
 * How long until one more upload fits under the hourly limit, given the creation times
 * of the uploads in the last hour (any order). 0 when there is room now.
 */
export function retryAfterSeconds(recentUploads: readonly Date[], maxPerHour: number, now: Date): number {
  const windowStart = now.getTime() - HOUR_MS;
  const inWindow = recentUploads.map((d) => d.getTime()).filter((t) => t > windowStart).sort((a, b) => b - a);
  if (inWindow.length < maxPerHour) return 0;
  // The upload that must leave the window before there is room again.
  const blocking = inWindow[maxPerHour - 1]!;
  return Math.max(1, Math.ceil((blocking + HOUR_MS - now.getTime()) / 1000));
}

function formatPercent(p: number): string {
  return `${Number(p.toFixed(2))}%`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
