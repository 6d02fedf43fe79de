/**
 * Moodle's files from grade reports: the grading worksheet round trip (Moodle's rows and
 * columns out as they came in, Grade and Feedback comments filled, never a 0 for a student
 * who was not gradable) and the feedback-files zip in the layout Moodle's zip upload reads.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import JSZip from 'jszip';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FEEDBACK_ZIP_OUT, WORKSHEET_OUT, exportCommand } from '../../../src/cli/export-command.js';
import { GradeReportSchema, type GradeReport } from '../../../src/grading/report.js';
import { FEEDBACK_FILE_NAME, feedbackHtml, fillWorksheet, participantFolder } from '../../../src/lms/moodle-export.js';

/** As Moodle 4 writes it ("Download grading worksheet"), with a BOM, a blind-marking style name and a quoted comma. */
const WORKSHEET = [
  '\ufeffIdentifier,"Full name","Email address",Status,Grade,"Maximum Grade","Grade can be changed","Last modified (submission)","Last modified (grade)","Feedback comments"',
  '"Participant 101","Ada Lovelace",ada@example.org,"Submitted for grading",,100.00,Yes,"Monday, 30 November 2026, 10:00 AM",-,',
  '"Participant 55","Alan Turing",alan@example.org,"Submitted for grading",,100.00,Yes,"Monday, 30 November 2026, 11:00 AM",-,',
  '"Participant 7","Jürgen Müller",jm@example.org,"Submitted for grading",,100.00,Yes,"Monday, 30 November 2026, 09:00 AM",-,',
  '"Participant 9","Grace Hopper, Jr.",gh@example.org,"No submission",,100.00,Yes,-,-,',
  '',
].join('\n');

function report(id: string, gradable: boolean, points: number[]): GradeReport {
  const titles = ['softmax matches the reference', 'numerically stable', 'explains the result'];
  const visibility = ['visible', 'hidden', 'visible'] as const;
  const checks = gradable
    ? points.map((p, i) => ({
        id: `c${i}`,
        title: titles[i]!,
        points: p,
        maxPoints: [6, 3, 1][i]!,
        status: p === [6, 3, 1][i] ? 'passed' : p > 0 ? 'partial' : 'failed',
        feedback: i === 0 ? 'all <values> match' : 'ok',
        visibility: visibility[i]!,
        objectives: [],
      }))
    : [];
  return GradeReportSchema.parse({
    schemaVersion: 1,
    assignment: { id: 'u05-softmax', version: 'v' },
    submission: { id, file: 'hw.ipynb' },
    gradable,
    score: gradable ? points.reduce((a, b) => a + b, 0) : 0,
    maxScore: 10,
    checks,
    objectives: [],
    errors: gradable ? [] : ['"report.pdf" is neither a notebook nor a zip'],
    timings: { totalMs: 1, sandboxMs: 1 },
    environment: { sandbox: 'process', tensorBackend: 'wasm', graderVersion: 't' },
  });
}

const reports = new Map([
  ['101', report('moodle-101', true, [6, 3, 1])],
  ['55', report('moodle-55', true, [3, 0, 1])],
  ['7', report('moodle-7', false, [])],
]);

describe('Moodle grading worksheet', () => {
  it('keeps every row and column as Moodle wrote them and fills Grade and Feedback comments', () => {
    const filled = fillWorksheet(WORKSHEET, reports);
    expect(filled.csv.startsWith('\ufeff')).toBe(true);
    const before: string[][] = parse(WORKSHEET.slice(1));
    const after: string[][] = parse(filled.csv.slice(1));
    expect(after[0]).toEqual(before[0]);
    expect(after).toHaveLength(before.length);
    const grade = before[0]!.indexOf('Grade');
    const feedback = before[0]!.indexOf('Feedback comments');
    for (let i = 1; i < before.length; i++) {
      const untouched = (row: string[]) => row.filter((_, c) => c !== grade && c !== feedback);
      expect(untouched(after[i]!)).toEqual(untouched(before[i]!));
    }
    // Scaled to Moodle's maximum of 100.
    expect(after[1]![grade]).toBe('100.00');
    expect(after[2]![grade]).toBe('40.00');
    expect(after[2]![feedback]).toContain('4 / 10');
    // Not gradable: no grade, and why.
    expect(after[3]![grade]).toBe('');
    expect(after[3]![feedback]).toMatch(/no grade was entered.*neither a notebook nor a zip/);
    // No report: the row as it was.
    expect(after[4]).toEqual(before[4]);
    expect(filled.withoutReport).toEqual(['9']);
    expect(filled.filled.map((f) => [f.participantId, f.fullName, f.grade])).toEqual([
      ['101', 'Ada Lovelace', '100.00'],
      ['55', 'Alan Turing', '40.00'],
      ['7', 'Jürgen Müller', ''],
    ]);
  });

  it('refuses a CSV that is not a grading worksheet', () => {
    expect(() => fillWorksheet('name,score\nAda,3\n', reports)).toThrow(/not a Moodle grading worksheet/);
  });
});

describe('Moodle feedback files', () => {
  it('names folders like Moodle and writes an escaped report without hidden checks', () => {
    expect(participantFolder('Ada Lovelace', '101')).toBe('Ada Lovelace_101_assignsubmission_file_');
    expect(participantFolder('Mary_Ann/Evans', '3')).toBe('Mary AnnEvans_3_assignsubmission_file_');
    const html = feedbackHtml(report('x', true, [3, 0, 1]), 'Alan <Turing>');
    expect(html).toContain('Score: 4 / 10');
    expect(html).toContain('Alan &lt;Turing&gt;');
    expect(html).toContain('all &lt;values&gt; match');
    expect(html).not.toContain('numerically stable');
    expect(html).toContain('1 further check is not shown');
  });
});

describe('autograder export', () => {
  let out: string;
  let stdout: string[];
  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), 'ag-export-'));
    stdout = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('reads the import reports and writes the worksheet and the feedback zip in Moodle layout', async () => {
    // As `autograder import` names them.
    writeFileSync(join(out, '101-Ada-Lovelace.json'), JSON.stringify(reports.get('101')));
    writeFileSync(join(out, '55-Alan-Turing.json'), JSON.stringify(reports.get('55')));
    writeFileSync(join(out, '7-Jurgen-Muller.json'), JSON.stringify(reports.get('7')));
    writeFileSync(join(out, 'grades.csv'), 'not a report');
    const worksheet = join(out, 'worksheet.csv');
    writeFileSync(worksheet, WORKSHEET);

    expect(await exportCommand({ assignment: 'u05-softmax', moodleWorksheet: worksheet, out })).toBe(0);
    expect(stdout.join('')).toMatch(/3 participant\(s\) filled \(1 not gradable/);

    const rows: string[][] = parse(readFileSync(join(out, WORKSHEET_OUT), 'utf8').slice(1));
    expect(rows.map((r) => r[4])).toEqual(['Grade', '100.00', '40.00', '', '']);

    const zip = await JSZip.loadAsync(readFileSync(join(out, FEEDBACK_ZIP_OUT)));
    const files = Object.keys(zip.files).filter((f) => !zip.files[f]!.dir).sort();
    expect(files).toEqual([
      `Ada Lovelace_101_assignsubmission_file_/${FEEDBACK_FILE_NAME}`,
      `Alan Turing_55_assignsubmission_file_/${FEEDBACK_FILE_NAME}`,
      `Jürgen Müller_7_assignsubmission_file_/${FEEDBACK_FILE_NAME}`,
    ]);
    const jurgen = await zip.file(`Jürgen Müller_7_assignsubmission_file_/${FEEDBACK_FILE_NAME}`)!.async('string');
    expect(jurgen).toContain('Not graded.');
    expect(jurgen).toContain('neither a notebook nor a zip');
  });

  it('says what to run first when there are no reports', async () => {
    const worksheet = join(out, 'worksheet.csv');
    writeFileSync(worksheet, WORKSHEET);
    await expect(exportCommand({ assignment: 'u05-softmax', moodleWorksheet: worksheet, out })).rejects.toThrow(/autograder import/);
  });
});
