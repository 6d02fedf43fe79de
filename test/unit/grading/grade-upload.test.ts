import { describe, expect, it, vi } from 'vitest';
import { SandboxLimitsSchema } from '../../../src/config.js';
import { NotGradableError, PlatformError } from '../../../src/errors.js';
import type { GradeInput } from '../../../src/grading/engine.js';
import { gradeUpload } from '../../../src/grading/grade-upload.js';
import type { GradeReport } from '../../../src/grading/report.js';
import type { Sandbox } from '../../../src/sandbox/sandbox.js';
import { courseSoftmaxAssignment } from '../../helpers/course-assignment.js';
import { buildZip, notebookJson } from '../submission/helpers/zip-writer.js';

const assignment = courseSoftmaxAssignment();
const limits = SandboxLimitsSchema.parse({});
const fakeSandbox = { kind: 'process' } as Sandbox;
const graded = (input: GradeInput): GradeReport => ({ gradable: true, submission: { id: 's', file: input.notebook.name } }) as unknown as GradeReport;
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('gradeUpload', () => {
  it('refuses a file that is not a notebook with a not-gradable report, starting no sandbox and grading nothing', async () => {
    const grade = vi.fn(async (input: GradeInput) => graded(input));
    const openSandbox = vi.fn(async () => fakeSandbox);
    const { report, notebookPath } = await gradeUpload({ assignment, file: { name: 'homework.ipynb', bytes: utf8('not json') }, sandbox: openSandbox, limits, grade });
    expect(report).toMatchObject({ gradable: false, score: 0, checks: [] });
    expect(report.errors[0]).toMatch(/homework\.ipynb"? is not a Jupyter notebook/);
    expect(notebookPath).toBeUndefined();
    expect(grade).not.toHaveBeenCalled();
    expect(openSandbox).not.toHaveBeenCalled();
  });

  it('unpacks a zip and grades its notebook from its folder, with the other files beside it', async () => {
    const grade = vi.fn(async (input: GradeInput) => graded(input));
    const zip = buildZip([{ name: 'lab/softmax.ipynb', data: notebookJson() }, { name: 'lab/data/x.csv', data: '1,2\n' }]);
    const { notebookPath } = await gradeUpload({ assignment, file: { name: 'lab.zip', bytes: zip }, sandbox: async () => fakeSandbox, limits, grade });
    expect(grade).toHaveBeenCalledOnce();
    const input = grade.mock.calls[0]![0];
    expect(input.sandbox).toBe(fakeSandbox);
    expect(input.notebook.name).toBe('softmax.ipynb');
    expect(input.files?.map((f) => f.path)).toEqual([expect.stringMatching(/data\/x\.csv$/)]);
    expect(notebookPath).toMatch(/softmax\.ipynb$/);
  });

  it("turns a student's problem found while grading into a not-gradable report", async () => {
    const grade = vi.fn(async (): Promise<GradeReport> => {
      throw new NotGradableError('UNSAFE_PATH', 'the file path "../x" leaves its folder; rename the file and submit again');
    });
    const { report } = await gradeUpload({ assignment, file: { name: 'a.ipynb', bytes: utf8(notebookJson()) }, sandbox: fakeSandbox, limits, grade });
    expect(report).toMatchObject({ gradable: false, errors: ['the file path "../x" leaves its folder; rename the file and submit again'] });
  });

  it("lets the platform's problems through, for the caller to retry", async () => {
    const grade = vi.fn(async (): Promise<GradeReport> => {
      throw new PlatformError('SANDBOX_CLOSED', 'the process sandbox was closed');
    });
    await expect(gradeUpload({ assignment, file: { name: 'a.ipynb', bytes: utf8(notebookJson()) }, sandbox: fakeSandbox, limits, grade })).rejects.toMatchObject({ code: 'SANDBOX_CLOSED' });
  });
});
