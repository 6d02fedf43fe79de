/**
 * The job's files as one tar archive for `putArchive`: the notebook at the path the
 * request names, the submission's other files beside it. Owned by root and read-only
 * to everyone in the container, so student code can read its files but not swap the
 * notebook the harness reads.
 */
import { posix } from 'node:path';
import { pack } from 'tar-stream';
import { UsageError } from '../../errors.js';
import { checkJobPaths } from '../job-dir.js';
import type { SandboxJob } from '../sandbox.js';

const FILE_MODE = 0o644;
const READ_ONLY_FILE_MODE = 0o444;
const DIR_MODE = 0o755;

/** A relative path that stays inside the work directory, normalised; throws otherwise. */
export function safeRelativePath(path: string): string {
  const normal = posix.normalize(path.replace(/\\/g, '/'));
  if (
    path.length === 0 || path.includes('\0') || posix.isAbsolute(normal) ||
    normal === '.' || normal === '..' || normal.startsWith('../')
  ) {
    throw new UsageError('BAD_SANDBOX_PATH', `sandbox file path ${JSON.stringify(path)} must be relative and stay inside the work directory`);
  }
  return normal;
}

export interface JobArchive {
  tar: Buffer;
  /** Bytes of file content, for sizing the work directory. */
  contentBytes: number;
}

export async function jobArchive(job: SandboxJob): Promise<JobArchive> {
  const files = [
    { path: safeRelativePath(job.request.notebook), data: job.notebook },
    ...job.files.map((f) => ({ path: safeRelativePath(f.path), data: f.data, readOnly: f.readOnly })),
  ];
  checkJobPaths(files.map((f) => f.path));
  const dirs = new Set<string>();
  for (const f of files) {
    for (let d = posix.dirname(f.path); d !== '.'; d = posix.dirname(d)) dirs.add(d);
  }
  const archive = pack();
  const mtime = new Date(0);
  for (const dir of [...dirs].sort()) {
    archive.entry({ name: `${dir}/`, type: 'directory', mode: DIR_MODE, uid: 0, gid: 0, mtime });
  }
  for (const f of files) {
    // Owned by root: a read-only data file cannot be changed or chmod-ed back by the student user.
    archive.entry({ name: f.path, type: 'file', mode: 'readOnly' in f && f.readOnly ? READ_ONLY_FILE_MODE : FILE_MODE, uid: 0, gid: 0, mtime }, Buffer.from(f.data));
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return { tar: Buffer.concat(chunks), contentBytes: files.reduce((n, f) => n + f.data.byteLength, 0) };
}
