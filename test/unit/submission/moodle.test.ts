import { describe, expect, it } from 'vitest';
import { NotGradableError, UsageError } from '../../../src/errors.js';
import { parseMoodleArchive, unpackMoodleSubmission } from '../../../src/submission/moodle.js';
import { buildZip, notebookJson } from './helpers/zip-writer.js';

const nb = notebookJson();

/** A "Download all submissions" archive as Moodle (>= 3.1, folders on) writes it. */
function moodleArchive(): Buffer {
  const studentZip = buildZip([
    { name: 'hw5/softmax.ipynb', data: nb },
    { name: 'hw5/model.pt', data: 'weights' },
  ]);
  return buildZip([
    { name: 'Ada Lovelace_101_assignsubmission_file_/softmax.ipynb', data: nb },
    { name: 'Ada Lovelace_101_assignsubmission_onlinetext_/onlinetext.html', data: '<p>see notebook</p>' },
    { name: 'Jürgen Müller_7_assignsubmission_file_/hw5.zip', data: studentZip, method: 'store' },
    { name: 'Group A-Grace Hopper_2024_assignsubmission_file_/work/hw.ipynb', data: nb },
    { name: 'Group A-Grace Hopper_2024_assignsubmission_file_/work/model.pth', data: 'w' },
    { name: 'Alan Turing_55_assignsubmission_file_/report.pdf', data: '%PDF-1.7' },
    { name: '__MACOSX/Ada Lovelace_101_assignsubmission_file_/._softmax.ipynb', data: 'fork' },
    { name: 'grading-worksheet.csv', data: 'Identifier,Full name' },
  ]);
}

describe('parseMoodleArchive', () => {
  it('splits the archive into one submission per participant', async () => {
    const { submissions, skipped } = await parseMoodleArchive(moodleArchive());
    expect(submissions.map((s) => [s.participantId, s.name, s.files.map((f) => f.path)])).toEqual([
      ['7', 'Jürgen Müller', ['hw5.zip']],
      ['55', 'Alan Turing', ['report.pdf']],
      ['101', 'Ada Lovelace', ['softmax.ipynb']],
      ['2024', 'Group A-Grace Hopper', ['work/hw.ipynb', 'work/model.pth']],
    ]);
    expect(skipped.map((s) => s.path).sort()).toEqual([
      'Ada Lovelace_101_assignsubmission_onlinetext_/onlinetext.html',
      'grading-worksheet.csv',
    ]);
    expect(skipped.find((s) => s.path.endsWith('onlinetext.html'))?.reason).toContain('onlinetext');
  });

  it('reads the flat layout (download in folders off)', async () => {
    const archive = buildZip([
      { name: 'Ada Lovelace_101_assignsubmission_file_softmax.ipynb', data: nb },
      { name: 'Alan Turing_55_assignsubmission_file_hw.ipynb', data: nb },
    ]);
    const { submissions } = await parseMoodleArchive(archive);
    expect(submissions.map((s) => [s.participantId, s.name, s.files.map((f) => f.path)])).toEqual([
      ['55', 'Alan Turing', ['hw.ipynb']],
      ['101', 'Ada Lovelace', ['softmax.ipynb']],
    ]);
  });

  it('refuses an archive without Moodle submission folders', async () => {
    const archive = buildZip([{ name: 'hw.ipynb', data: nb }]);
    const error = await parseMoodleArchive(archive).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('NOT_A_MOODLE_ARCHIVE');
  });

  it('applies the archive safety checks to the outer archive', async () => {
    const archive = buildZip([
      { name: 'Ada Lovelace_101_assignsubmission_file_/hw.ipynb', data: nb },
      { name: 'Ada Lovelace_101_assignsubmission_file_/../../../etc/evil.txt', data: 'x' },
    ]);
    const error = await parseMoodleArchive(archive).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotGradableError);
    expect((error as NotGradableError).code).toBe('PATH_TRAVERSAL');
  });
});

describe('unpackMoodleSubmission', () => {
  it('unpacks each student like a direct upload, and refuses only the bad one', async () => {
    const { submissions } = await parseMoodleArchive(moodleArchive());
    const byId = new Map(submissions.map((s) => [s.participantId, s]));

    const ada = await unpackMoodleSubmission(byId.get('101')!);
    expect(ada.notebook.name).toBe('softmax.ipynb');
    expect(ada.files).toEqual([]);

    const jurgen = await unpackMoodleSubmission(byId.get('7')!);
    expect(jurgen.notebook.path).toBe('softmax.ipynb');
    expect(jurgen.files.map((f) => [f.path, f.bytes.toString()])).toEqual([['model.pt', 'weights']]);

    const grace = await unpackMoodleSubmission(byId.get('2024')!);
    expect(grace.notebook.path).toBe('hw.ipynb');
    expect(grace.files.map((f) => f.path)).toEqual(['model.pth']);

    const alan = await unpackMoodleSubmission(byId.get('55')!).catch((e: unknown) => e);
    expect(alan).toBeInstanceOf(NotGradableError);
    expect((alan as NotGradableError).code).toBe('UNSUPPORTED_TYPE');
  });
});
