import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { jobArchive, safeRelativePath } from '../../../../src/sandbox/docker/job-archive.js';
import { jobFor, notebookJson } from '../../../helpers/sandbox-jobs.js';

async function entries(tar: Buffer): Promise<{ name: string; type: string; mode: number; uid: number; body: string }[]> {
  const out: { name: string; type: string; mode: number; uid: number; body: string }[] = [];
  const reader = extract();
  reader.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      out.push({ name: header.name, type: header.type ?? 'file', mode: header.mode ?? 0, uid: header.uid ?? -1, body: Buffer.concat(chunks).toString() });
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    reader.on('finish', () => resolve());
    reader.on('error', reject);
  });
  reader.end(tar);
  await done;
  return out;
}

describe('safeRelativePath', () => {
  it.each(['../x', 'a/../../x', '/etc/passwd', '', '.', 'a\0b', '..\\x'])('refuses %j', (path) => {
    expect(() => safeRelativePath(path)).toThrow(/must be relative and stay inside the work directory/);
  });

  it('normalises paths that stay inside', () => {
    expect(safeRelativePath('./models/../models/m.pt')).toBe('models/m.pt');
  });
});

describe('jobArchive', () => {
  it('holds the notebook and the files, root-owned and read-only, with their folders', async () => {
    const job = { ...jobFor(notebookJson(['x = 1'])), files: [{ path: 'models/m.pt', data: new Uint8Array([1, 2, 3]) }] };
    const archive = await jobArchive(job);
    const got = await entries(archive.tar);
    expect(got.map((e) => [e.name, e.type, e.mode, e.uid])).toEqual([
      ['models/', 'directory', 0o755, 0],
      ['submission.ipynb', 'file', 0o644, 0],
      ['models/m.pt', 'file', 0o644, 0],
    ]);
    expect(JSON.parse(got[1]!.body).cells[0].source).toBe('x = 1');
    expect(archive.contentBytes).toBe(job.notebook.byteLength + 3);
  });

  it("writes an assignment's data files read-only (0444, root-owned), so the student user cannot change them", async () => {
    const job = { ...jobFor(notebookJson(['x = 1'])), files: [{ path: 'data/train.csv', data: new Uint8Array([49]), readOnly: true }] };
    const got = await entries((await jobArchive(job)).tar);
    expect(got.find((e) => e.name === 'data/train.csv')).toMatchObject({ mode: 0o444, uid: 0 });
  });

  it('refuses a file given twice', async () => {
    const job = { ...jobFor(notebookJson([])), files: [{ path: 'submission.ipynb', data: new Uint8Array() }] };
    await expect(jobArchive(job)).rejects.toThrow(/holds submission.ipynb twice/);
  });
});

describe('jobArchive: the notebook keeps its own path', () => {
  it('puts a notebook and a folder named submission.ipynb/ side by side', async () => {
    const job = jobFor(Buffer.from(notebookJson([])));
    job.request.notebook = 'lab.ipynb';
    job.files = [{ path: 'submission.ipynb/notes.txt', data: Buffer.from('hi') }];
    const names = (await entries((await jobArchive(job)).tar)).map((e) => `${e.type}:${e.name}`);
    expect(names).toEqual(expect.arrayContaining(['directory:submission.ipynb/', 'file:submission.ipynb/notes.txt', 'file:lab.ipynb']));
  });

  it("refuses a file where another needs a folder as the student's problem, not the grader's", async () => {
    const job = jobFor(Buffer.from(notebookJson([])));
    job.files = [{ path: 'submission.ipynb/notes.txt', data: Buffer.from('hi') }];
    await expect(jobArchive(job)).rejects.toMatchObject({ kind: 'student', code: 'PATH_COLLISION' });
  });
});
