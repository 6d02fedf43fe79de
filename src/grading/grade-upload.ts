/**
 * The one way to grade an upload as a student handed it in (a notebook, or a zip holding
 * one and its files): unpack, grade, and turn every problem that is the student's (not a
 * notebook, a broken zip, an unsafe path, another assignment's notebook) into a
 * `gradable: false` report saying what to fix. The worker, `autograder grade`,
 * `autograder import` and the benchmarks all grade through here, so unpacking, refusals
 * and not-gradable reports are written once.
 */
import { isAutograderError, type NotGradableError } from '../errors.js';
import { unpackUpload, type UnpackedUpload } from '../submission/unpack.js';
import type { UnpackLimitsInput } from '../submission/limits.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { gradeSubmission, notGradableReport, type GradeInput } from './engine.js';
import type { GradeReport } from './report.js';

export interface GradeUploadInput extends Omit<GradeInput, 'notebook' | 'files' | 'sandbox'> {
  /** The upload as received. */
  file: { name: string; bytes: Uint8Array };
  /**
   * Where the notebook runs; a function is called only once the upload unpacked, so a
   * refused upload starts no sandbox (the caller closes what it made).
   */
  sandbox: Sandbox | undefined | (() => Promise<Sandbox | undefined>);
  /** How to unpack it. @defaultValue unpackUpload(file.name, file.bytes, unpackLimits) */
  unpack?: () => Promise<UnpackedUpload>;
  /** Limits for the default unpacker (the worker passes the API's). */
  unpackLimits?: UnpackLimitsInput;
  /** @defaultValue the engine's gradeSubmission */
  grade?: (input: GradeInput) => Promise<GradeReport>;
}

export interface GradedUpload {
  report: GradeReport;
  /** The notebook's path inside the upload, when it could be unpacked. */
  notebookPath: string | undefined;
}

export async function gradeUpload(input: GradeUploadInput): Promise<GradedUpload> {
  const { file, unpack, unpackLimits, grade, sandbox, ...rest } = input;
  const gradeInput: GradeInput = { ...rest, sandbox: undefined, notebook: { name: file.name, bytes: file.bytes } };
  let notebookPath: string | undefined;
  try {
    const upload = await (unpack ?? (() => unpackUpload(file.name, file.bytes, unpackLimits)))();
    notebookPath = upload.notebook.path;
    gradeInput.notebook = { name: upload.notebook.name, path: upload.notebook.path, bytes: upload.notebook.bytes };
    gradeInput.files = upload.files.map((f) => ({ path: f.path, data: f.bytes }));
    gradeInput.sandbox = typeof sandbox === 'function' ? await sandbox() : sandbox;
    return { report: await (grade ?? gradeSubmission)(gradeInput), notebookPath };
  } catch (e) {
    // The student's problem is a result, not an error: they get a report saying what to fix.
    if (isAutograderError(e) && e.kind === 'student') return { report: await notGradableReport(gradeInput, e as NotGradableError), notebookPath };
    throw e;
  }
}
