/**
 * `autograder import`'s grades.csv: a student who could not be graded has an empty score,
 * never a 0 that would be pasted into a gradebook as a grade.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { gradesCsv } from '../../../src/cli/import-results.js';
import { defineAssignment } from '../../../src/grading/assignment.js';
import { GradeReportSchema } from '../../../src/grading/report.js';

const assignment = defineAssignment({
  id: 'csv-test',
  title: 'CSV test',
  execute: false,
  checks: [{ id: 'only', title: 'only', maxPoints: 2, visibility: 'visible', objectives: [], calls: () => [], grade: () => ({ points: 2, feedback: '' }) }],
});

const base = {
  schemaVersion: 1,
  assignment: { id: 'csv-test', version: 'v' },
  maxScore: 2,
  objectives: [],
  timings: { totalMs: 1, sandboxMs: 1 },
  environment: { sandbox: 'process', tensorBackend: 'wasm', graderVersion: 't' },
};

describe('grades.csv', () => {
  it('leaves the score empty for a student who was not gradable and keeps a real 0', () => {
    const students = [
      { participantId: '1', name: 'Zero', file: 'a.ipynb', report: GradeReportSchema.parse({ ...base, submission: { id: '1', file: 'a.ipynb' }, gradable: true, score: 0, errors: [], checks: [{ id: 'only', title: 'only', points: 0, maxPoints: 2, status: 'failed', feedback: '', visibility: 'visible', objectives: [] }] }) },
      { participantId: '2', name: 'Pdf', file: 'r.pdf', report: GradeReportSchema.parse({ ...base, submission: { id: '2', file: 'r.pdf' }, gradable: false, score: 0, errors: ['not a notebook'], checks: [] }) },
    ];
    const rows: string[][] = parse(gradesCsv(assignment, students));
    expect(rows[0]!.slice(0, 6)).toEqual(['participant id', 'name', 'file', 'score', 'max score', 'gradable']);
    expect(rows[1]![3]).toBe('0');
    expect(rows[2]![3]).toBe('');
    expect(rows[2]![5]).toBe('false');
  });
});
