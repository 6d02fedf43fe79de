/**
 * The temporary folder of one sandbox job: `work/` (the notebook and the submission's
 * files; the kernel's cwd), `home/` and `tmp/` (the kernel's HOME and TMPDIR).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { NotGradableError } from '../errors.js';
import type { SandboxJob } from './sandbox.js';

export interface JobDir {
  root: string;
  work: string;
  home: string;
  tmp: string;
}

/** The path, normalised, if it stays inside the folder it is relative to; otherwise throws. */
export function safeRelativePath(path: string): string {
  const refuse = (why: string) =>
    new NotGradableError('UNSAFE_PATH', `the file path ${JSON.stringify(path)} ${why}; rename the file and submit again`);
  if (path === '' || path.includes('\0')) throw refuse('is empty or contains a NUL character');
  if (path.includes('\\')) throw refuse('contains a backslash');
  if (posix.isAbsolute(path)) throw refuse('is absolute');
  const normal = posix.normalize(path);
  if (normal === '.' || normal.endsWith('/') || normal.split('/').includes('..')) {
    throw refuse('leaves its folder or names no file');
  }
  return normal;
}

/** An assignment's data files: readable, not writable (the process sandbox is no isolation: this only stops accidents). */
const READ_ONLY_MODE = 0o444;

/** Checks every path first, so a bad one leaves nothing behind on disk. */
function jobFiles(job: SandboxJob): { path: string; data: Uint8Array; readOnly?: boolean }[] {
  const files: { path: string; data: Uint8Array; readOnly?: boolean }[] = [{ path: safeRelativePath(job.request.notebook), data: job.notebook }];
  for (const file of job.files) files.push({ path: safeRelativePath(file.path), data: file.data, readOnly: file.readOnly });
  checkJobPaths(files.map((f) => f.path));
  return files;
}

/**
 * Normalised job paths must name distinct files, and no file may sit where another needs a
 * folder (`lab.ipynb` and `lab.ipynb/data.csv`). Both are the upload's problem, never the
 * grader's, in either sandbox.
 */
export function checkJobPaths(paths: readonly string[]): void {
  const seen = new Set<string>();
  for (const path of paths) {
    if (seen.has(path)) throw new NotGradableError('DUPLICATE_PATH', `the submission holds ${path} twice; keep one copy`);
    seen.add(path);
  }
  for (const path of paths) {
    for (let dir = posix.dirname(path); dir !== '.'; dir = posix.dirname(dir)) {
      if (seen.has(dir)) {
        throw new NotGradableError('PATH_COLLISION', `the submission has a file ${dir} and also a folder of that name (holding ${path}); rename one and submit again`);
      }
    }
  }
}

const JOB_DIR_PREFIX = 'autograder-job-';
/** Holds the pid of the process that made the folder, so a later one can tell a stale folder from a live one. */
const OWNER_FILE = 'owner.pid';

export async function createJobDir(job: SandboxJob, parent = tmpdir()): Promise<JobDir> {
  const files = jobFiles(job);
  const root = await mkdtemp(join(parent, JOB_DIR_PREFIX));
  const dir: JobDir = { root, work: join(root, 'work'), home: join(root, 'home'), tmp: join(root, 'tmp') };
  try {
    await writeFile(join(root, OWNER_FILE), String(process.pid));
    await Promise.all([mkdir(dir.work), mkdir(dir.home), mkdir(dir.tmp)]);
    for (const file of files) {
      const target = join(dir.work, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.data, { flag: 'wx', mode: file.readOnly ? READ_ONLY_MODE : 0o644 });
    }
  } catch (error) {
    await removeJobDir(dir);
    throw error;
  }
  return dir;
}

export async function removeJobDir(dir: JobDir): Promise<void> {
  await rm(dir.root, { recursive: true, force: true, maxRetries: 2 });
}

/**
 * Removes job folders whose owner process is gone (a worker that was SIGKILLed mid-job never
 * ran its clean-up); folders of live processes, this one included, stay. Returns the removed paths.
 */
export async function sweepStaleJobDirs(parent = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await readdir(parent, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(JOB_DIR_PREFIX)) continue;
    const root = join(parent, entry.name);
    let owner: number;
    try {
      owner = Number((await readFile(join(root, OWNER_FILE), 'utf8')).trim());
    } catch {
      continue; // being created right now, or not ours to judge
    }
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    await rm(root, { recursive: true, force: true, maxRetries: 2 });
    removed.push(root);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
