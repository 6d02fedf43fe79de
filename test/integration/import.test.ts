/**
 * `autograder import` as an instructor runs it: the built CLI on a Moodle "download all
 * submissions" archive, graded in the process sandbox.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { getAssignment } from '../../graders/index.js';
import { GradeReportSchema } from '../../src/grading/report.js';
import { findPackageRoot } from '../../src/package-root.js';
import { ensureBuilt } from '../helpers/build.js';
import { buildZip } from '../unit/submission/helpers/zip-writer.js';

const root = findPackageRoot();
const bin = join(root, 'bin', 'autograder.js');
const example = (file: string) => readFileSync(join(root, 'graders', 'u06-heads', 'examples', file));
const checkIds = getAssignment('u06-heads').checks.map((c) => c.id);

function autograder(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, AUTOGRADER_SANDBOX: 'process', LOG_LEVEL: 'warn' },
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ag-import-'));
}

beforeAll(() => {
  ensureBuilt();
});

describe('autograder import', () => {
  it('grades every student of a Moodle archive: a report each, grades.csv, a summary, exit 0', () => {
    const dir = tempDir();
    const archive = join(dir, 'submissions.zip');
    writeFileSync(
      archive,
      buildZip([
        { name: 'Ada Lovelace_101_assignsubmission_file_/heads.ipynb', data: example('correct.ipynb') },
        { name: 'Ada Lovelace_101_assignsubmission_onlinetext_/onlinetext.html', data: '<p>see notebook</p>' },
        { name: 'Alan Turing_55_assignsubmission_file_/work/wrong.ipynb', data: example('wrong.ipynb') },
        { name: 'Jürgen Müller_7_assignsubmission_file_/report.pdf', data: '%PDF-1.7' },
      ]),
    );
    const out = join(dir, 'out');
    const r = autograder('import', archive, '--assignment', 'u06-heads', '--out', out, '--sandbox', 'process', '--concurrency', '2');
    expect(r.code, r.stderr).toBe(0);

    expect(readdirSync(out).sort()).toEqual(['101-Ada-Lovelace.json', '55-Alan-Turing.json', '7-Jurgen-Muller.json', 'grades.csv']);
    const report = (file: string) => GradeReportSchema.parse(JSON.parse(readFileSync(join(out, file), 'utf8')));
    const ada = report('101-Ada-Lovelace.json');
    const alan = report('55-Alan-Turing.json');
    const jurgen = report('7-Jurgen-Muller.json');
    expect(ada).toMatchObject({ gradable: true, score: ada.maxScore, submission: { file: 'heads.ipynb' } });
    expect(alan.gradable).toBe(true);
    expect(alan.score).toBeLessThan(alan.maxScore);
    expect(alan.checks.find((c) => c.id === 'mape.reference')?.status).toBe('failed');
    expect(jurgen).toMatchObject({ gradable: false, score: 0, checks: [] });
    expect(jurgen.errors.join(' ')).toMatch(/"report\.pdf" is neither a notebook nor a zip/);

    const text = readFileSync(join(out, 'grades.csv'), 'utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    const records: string[][] = parseCsv(text);
    expect(records[0]).toEqual(['participant id', 'name', 'file', 'score', 'max score', 'gradable', ...checkIds]);
    const points = (r: typeof ada) => checkIds.map((id) => String(r.checks.find((c) => c.id === id)?.points));
    expect(records.slice(1)).toEqual([
      // Not gradable: no score at all, never a 0 that a gradebook would take for a grade.
      ['7', 'Jürgen Müller', 'report.pdf', '', String(jurgen.maxScore), 'false', ...checkIds.map(() => '')],
      ['55', 'Alan Turing', 'work/wrong.ipynb', String(alan.score), String(alan.maxScore), 'true', ...points(alan)],
      ['101', 'Ada Lovelace', 'heads.ipynb', String(ada.maxScore), String(ada.maxScore), 'true', ...points(ada)],
    ]);

    expect(r.stdout).toMatch(/101\s+Ada Lovelace\s+(\S+) \/ \1\s+heads\.ipynb/);
    expect(r.stdout).toMatch(/7\s+Jürgen Müller\s+-\s+not gradable: "report\.pdf" is neither a notebook nor a zip/);
    expect(r.stdout).toMatch(/3 students: 2 graded, 1 not gradable/);
    expect(r.stderr).toMatch(/grading \d\/3: /);
    expect(r.stderr).toMatch(/skipped Ada Lovelace_101_assignsubmission_onlinetext_\/onlinetext\.html/);
  });

  it('exits 3 with one line when the archive is not a Moodle archive', () => {
    const dir = tempDir();
    const plainZip = join(dir, 'plain.zip');
    writeFileSync(plainZip, buildZip([{ name: 'hw.ipynb', data: example('correct.ipynb') }]));
    const notZip = join(dir, 'notes.zip');
    writeFileSync(notZip, 'just some text, not a zip');
    for (const archive of [plainZip, notZip]) {
      const r = autograder('import', archive, '--assignment', 'u06-heads', '--out', join(dir, 'out'), '--sandbox', 'process');
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/is not a Moodle submissions archive/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('exits 2 for a missing archive and for an unknown assignment', () => {
    const dir = tempDir();
    expect(autograder('import', join(dir, 'missing.zip'), '--assignment', 'u06-heads').code).toBe(2);
    const archive = join(dir, 'a.zip');
    writeFileSync(archive, buildZip([{ name: 'Ada Lovelace_101_assignsubmission_file_/heads.ipynb', data: example('correct.ipynb') }]));
    const r = autograder('import', archive, '--assignment', 'u99-nothing');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown assignment "u99-nothing"/);
  });
});
