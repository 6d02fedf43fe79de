import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotGradableError } from '../../../src/errors.js';
import { UNPACK_ERROR_CODES, type UnpackErrorCode } from '../../../src/submission/unpack-errors.js';
import { unpackFiles, unpackUpload } from '../../../src/submission/unpack.js';
import { buildZip, notebookJson } from './helpers/zip-writer.js';

const MiB = 1024 * 1024;
const nb = notebookJson();

async function refusal(work: () => Promise<unknown> | unknown): Promise<NotGradableError> {
  let thrown: unknown;
  try {
    await work();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected the upload to be refused').toBeInstanceOf(NotGradableError);
  const error = thrown as NotGradableError;
  expect(error.kind).toBe('student');
  expect(UNPACK_ERROR_CODES).toContain(error.code);
  // One line a student can act on.
  expect(error.message).not.toContain('\n');
  expect(error.message).toMatch(/; /);
  return error;
}

async function expectRefused(work: () => Promise<unknown> | unknown, code: UnpackErrorCode): Promise<NotGradableError> {
  const error = await refusal(work);
  expect(error.code, error.message).toBe(code);
  return error;
}

describe('a notebook uploaded as is', () => {
  it('is returned with its name', async () => {
    const upload = await unpackUpload('hw5.ipynb', Buffer.from(nb));
    expect(upload.notebook.name).toBe('hw5.ipynb');
    expect(upload.notebook.path).toBe('hw5.ipynb');
    expect(upload.notebook.bytes.toString()).toBe(nb);
    expect(upload.files).toEqual([]);
  });

  it('keeps only the last segment of a client-supplied name', async () => {
    const upload = await unpackUpload('C:\\fakepath\\..\\hw5.IPYNB', Buffer.from(nb));
    expect(upload.notebook.name).toBe('hw5.IPYNB');
  });

  it('accepts a byte-order mark and leading whitespace', async () => {
    const upload = await unpackUpload('a.ipynb', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\n  ${nb}`)]));
    expect(upload.notebook.name).toBe('a.ipynb');
  });

  it('is refused when it is not JSON', async () => {
    const e = await expectRefused(() => unpackUpload('a.ipynb', Buffer.from('%PDF-1.7 ...')), 'NOT_A_NOTEBOOK');
    expect(e.message).toContain('a.ipynb');
  });

  it('is refused when empty', async () => {
    await expectRefused(() => unpackUpload('a.ipynb', Buffer.alloc(0)), 'NOT_A_NOTEBOOK');
  });

  it('is refused, with a hint, when it is a zip named .ipynb', async () => {
    const zip = buildZip([{ name: 'a.ipynb', data: nb }]);
    const e = await expectRefused(() => unpackUpload('a.ipynb', zip), 'NOT_A_NOTEBOOK');
    expect(e.message).toContain('name it .zip');
  });

  it('is refused when larger than the limit', async () => {
    await expectRefused(() => unpackUpload('a.ipynb', Buffer.from(nb), { maxUploadBytes: 10 }), 'TOO_LARGE');
  });

  it('is recognised by content when the name has no extension', async () => {
    const upload = await unpackUpload('submission', Buffer.from(nb));
    expect(upload.notebook.name).toBe('submission.ipynb');
  });
});

describe('upload types', () => {
  it('refuses a .zip that is not a zip', async () => {
    await expectRefused(() => unpackUpload('hw.zip', Buffer.from(nb)), 'NOT_A_ZIP');
  });

  it('refuses other types by name', async () => {
    const e = await expectRefused(() => unpackUpload('report.pdf', Buffer.from('%PDF-1.7')), 'UNSUPPORTED_TYPE');
    expect(e.message).toContain('report.pdf');
  });

  it('refuses a truncated zip as damaged', async () => {
    const zip = buildZip([{ name: 'a.ipynb', data: nb }]);
    await expectRefused(() => unpackUpload('hw.zip', zip.subarray(0, zip.length - 10)), 'CORRUPT_ZIP');
  });

  it('refuses an entry whose checksum does not match', async () => {
    const zip = buildZip([{ name: 'a.ipynb', data: nb, crc: 1234 }]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'CORRUPT_ZIP');
  });
});

describe('a zip with a notebook and model files', () => {
  it('returns the notebook and the files, without a wrapping folder and without litter', async () => {
    const weights = Buffer.from([1, 2, 3, 4, 5]);
    const zip = buildZip([
      { name: 'hw5/', data: '' },
      { name: 'hw5/softmax.ipynb', data: nb },
      { name: 'hw5/models/model.pt', data: weights, method: 'store' },
      { name: 'hw5/labels.json', data: '["cat","dog"]' },
      { name: 'hw5/.ipynb_checkpoints/softmax-checkpoint.ipynb', data: nb },
      { name: 'hw5/.DS_Store', data: 'x' },
      { name: '__MACOSX/hw5/._softmax.ipynb', data: 'resource fork' },
    ]);
    const upload = await unpackUpload('hw5.zip', zip);
    expect(upload.notebook.name).toBe('softmax.ipynb');
    expect(upload.notebook.path).toBe('softmax.ipynb');
    expect(upload.notebook.bytes.toString()).toBe(nb);
    expect(upload.files.map((f) => f.path).sort()).toEqual(['labels.json', 'models/model.pt']);
    expect(upload.files.find((f) => f.path === 'models/model.pt')?.bytes).toEqual(weights);
  });

  it('keeps the notebook path when it sits in a sub-folder', async () => {
    const zip = buildZip([
      { name: 'notebooks/hw.ipynb', data: nb },
      { name: 'models/m.pt', data: 'w' },
    ]);
    const upload = await unpackUpload('hw.zip', zip);
    expect(upload.notebook).toMatchObject({ name: 'hw.ipynb', path: 'notebooks/hw.ipynb' });
    expect(upload.files.map((f) => f.path)).toEqual(['models/m.pt']);
  });

  it('accepts the extensions it is configured with', async () => {
    const zip = buildZip([
      { name: 'a.ipynb', data: nb },
      { name: 'model.h5', data: 'w' },
    ]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'UNSUPPORTED_TYPE');
    const upload = await unpackUpload('hw.zip', zip, { allowedExtensions: ['.h5'] });
    expect(upload.files.map((f) => f.path)).toEqual(['model.h5']);
  });

  it('refuses a file type that is not accepted, naming it', async () => {
    const zip = buildZip([
      { name: 'a.ipynb', data: nb },
      { name: 'tools/run.exe', data: 'MZ' },
    ]);
    const e = await expectRefused(() => unpackUpload('hw.zip', zip), 'UNSUPPORTED_TYPE');
    expect(e.message).toContain('tools/run.exe');
  });

  it('refuses a zip without a notebook', async () => {
    const zip = buildZip([{ name: 'model.pt', data: 'w' }]);
    const e = await expectRefused(() => unpackUpload('hw.zip', zip), 'NO_NOTEBOOK');
    expect(e.message).toContain('model.pt');
  });

  it('refuses a zip whose only notebook is a Jupyter checkpoint', async () => {
    const zip = buildZip([{ name: '.ipynb_checkpoints/a-checkpoint.ipynb', data: nb }]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'NO_NOTEBOOK');
  });

  it('refuses two notebooks, naming both', async () => {
    const zip = buildZip([
      { name: 'a.ipynb', data: nb },
      { name: 'old/b.ipynb', data: nb },
    ]);
    const e = await expectRefused(() => unpackUpload('hw.zip', zip), 'SEVERAL_NOTEBOOKS');
    expect(e.message).toContain('a.ipynb');
    expect(e.message).toContain('old/b.ipynb');
  });

  it('refuses a notebook in the zip that is not JSON', async () => {
    const zip = buildZip([{ name: 'a.ipynb', data: 'not json' }]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'NOT_A_NOTEBOOK');
  });

  it('refuses the same path twice', async () => {
    const zip = buildZip([
      { name: 'a.ipynb', data: nb },
      { name: 'm.pt', data: '1' },
      { name: 'm.pt', data: '2' },
    ]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'DUPLICATE_PATH');
  });

  it('refuses a path that is both a file and a folder', async () => {
    const zip = buildZip([
      { name: 'a.ipynb', data: nb },
      { name: 'm.txt', data: '1' },
      { name: 'm.txt/x.txt', data: '2' },
    ]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'DUPLICATE_PATH');
  });

  it('refuses password-protected entries', async () => {
    const zip = buildZip([{ name: 'a.ipynb', data: nb, method: 'store', encrypted: true }]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'ENCRYPTED');
  });

  it('refuses compression methods other than stored and deflate', async () => {
    const zip = buildZip([{ name: 'a.ipynb', data: nb, methodNumber: 12 }]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'UNSUPPORTED_COMPRESSION');
  });
});

describe('size limits and zip bombs', () => {
  it('refuses an entry with a bomb-like compression ratio', async () => {
    const zip = buildZip([
      { name: 'a.ipynb', data: nb },
      { name: 'weights.bin', data: Buffer.alloc(10 * MiB) },
    ]);
    expect(zip.length).toBeLessThan(64 * 1024);
    const e = await expectRefused(() => unpackUpload('hw.zip', zip), 'ZIP_BOMB');
    expect(e.message).toContain('weights.bin');
  });

  it('refuses an entry that inflates beyond the size its header declares', async () => {
    // Declares 1 KiB, so the ratio check passes, then inflates to 10 MiB.
    const zip = buildZip([
      { name: 'a.ipynb', data: nb },
      { name: 'weights.bin', data: Buffer.alloc(10 * MiB), declaredSize: 1024 },
    ]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'ZIP_BOMB');
  });

  it('refuses entries that share one stream of data', async () => {
    const zip = buildZip([
      { name: 'a.ipynb', data: nb },
      { name: 'w1.bin', data: 'weights' },
      { name: 'w2.bin', data: 'weights', shareDataWith: 1 },
    ]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'ZIP_BOMB');
  });

  it('refuses files whose total unpacked size is over the limit', async () => {
    const zip = buildZip([
      { name: 'a.ipynb', data: nb },
      { name: 'w1.bin', data: Buffer.alloc(600, 1), method: 'store' },
      { name: 'w2.bin', data: Buffer.alloc(600, 2), method: 'store' },
    ]);
    await expectRefused(() => unpackUpload('hw.zip', zip, { maxTotalBytes: 1000 }), 'TOO_LARGE');
  });

  it('refuses an archive larger than the upload limit', async () => {
    const zip = buildZip([{ name: 'a.ipynb', data: nb }]);
    await expectRefused(() => unpackUpload('hw.zip', zip, { maxUploadBytes: 100 }), 'TOO_LARGE');
  });

  it('refuses too many files', async () => {
    const zip = buildZip([{ name: 'a.ipynb', data: nb }, ...Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.txt`, data: `${i}` }))]);
    await expectRefused(() => unpackUpload('hw.zip', zip, { maxFiles: 3 }), 'TOO_MANY_FILES');
    await expect(unpackUpload('hw.zip', zip, { maxFiles: 6 })).resolves.toBeDefined();
  });

  it('refuses too many entries, ignored ones included', async () => {
    const litter = Array.from({ length: 20 }, (_, i) => ({ name: `__MACOSX/._f${i}`, data: 'x' }));
    const zip = buildZip([{ name: 'a.ipynb', data: nb }, ...litter]);
    await expectRefused(() => unpackUpload('hw.zip', zip, { maxEntries: 10 }), 'TOO_MANY_FILES');
  });
});

describe('unsafe paths and entry types', () => {
  const cases: Array<[string, UnpackErrorCode]> = [
    ['../evil.pt', 'PATH_TRAVERSAL'],
    ['models/../../evil.pt', 'PATH_TRAVERSAL'],
    ['/etc/cron.d/evil.txt', 'PATH_TRAVERSAL'],
    ['C:/Windows/evil.txt', 'PATH_TRAVERSAL'],
    ['..\\evil.pt', 'PATH_TRAVERSAL'],
    ['models\\model.pt', 'BAD_PATH'],
    ['models//model.pt', 'BAD_PATH'],
    ['./model.pt', 'BAD_PATH'],
    ['mod\u0000el.pt', 'BAD_PATH'],
    [`${'a'.repeat(300)}.pt`, 'BAD_PATH'],
  ];
  for (const [name, code] of cases) {
    it(`refuses ${JSON.stringify(name.length > 40 ? `${name.slice(0, 20)}...` : name)} as ${code}`, async () => {
      const zip = buildZip([
        { name: 'a.ipynb', data: nb },
        { name, data: 'x' },
      ]);
      await expectRefused(() => unpackUpload('hw.zip', zip), code);
    });
  }

  it('refuses traversal even in a folder that would be ignored', async () => {
    const zip = buildZip([
      { name: 'a.ipynb', data: nb },
      { name: '__MACOSX/../../evil.txt', data: 'x' },
    ]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'PATH_TRAVERSAL');
  });

  it('refuses a symbolic link', async () => {
    const zip = buildZip([
      { name: 'a.ipynb', data: nb },
      { name: 'model.pt', data: '/etc/passwd', mode: 0o120777, method: 'store' },
    ]);
    await expectRefused(() => unpackUpload('hw.zip', zip), 'SYMLINK');
  });

  it('refuses device files and pipes', async () => {
    for (const mode of [0o020644, 0o060644, 0o010644]) {
      const zip = buildZip([
        { name: 'a.ipynb', data: nb },
        { name: 'dev.bin', data: '', mode },
      ]);
      await expectRefused(() => unpackUpload('hw.zip', zip), 'SPECIAL_FILE');
    }
  });
});

describe('zips made by real tools', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'unpack-test-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const zipTool = ['/usr/bin/zip', '/bin/zip'].find((p) => existsSync(p));
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : undefined;

  it.skipIf(zipTool === undefined)(titled('reads a project folder zipped with `zip -r`', zipTool, 'no zip command'), async () => {
    const dir = join(work, 'project');
    mkdirSync(join(dir, 'models'), { recursive: true });
    writeFileSync(join(dir, 'hw.ipynb'), nb);
    writeFileSync(join(dir, 'models', 'mlp.pth'), Buffer.alloc(4096, 7));
    const out = join(work, 'project.zip');
    execFileSync(zipTool!, ['-qr', out, 'project'], { cwd: work });
    const upload = await unpackUpload('project.zip', readFileSync(out));
    expect(upload.notebook.path).toBe('hw.ipynb');
    expect(upload.files.map((f) => f.path)).toEqual(['models/mlp.pth']);
    expect(upload.files[0]!.bytes.equals(Buffer.alloc(4096, 7))).toBe(true);
  });

  it.skipIf(zipTool === undefined)(titled('refuses a symlink stored by `zip -y`', zipTool, 'no zip command'), async () => {
    const dir = join(work, 'linked');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'hw.ipynb'), nb);
    symlinkSync('/etc/passwd', join(dir, 'model.pt'));
    const out = join(work, 'linked.zip');
    execFileSync(zipTool!, ['-qry', out, '.'], { cwd: dir });
    await expectRefused(async () => unpackUpload('linked.zip', readFileSync(out)), 'SYMLINK');
  });

  it.skipIf(python === undefined)(titled("reads a zip written by Python's zipfile", python, 'no /usr/bin/python3'), async () => {
    const out = join(work, 'py.zip');
    const script = [
      'import sys, zipfile',
      'with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:',
      '    z.writestr("Übung 5/übung.ipynb", sys.argv[2])',
      '    z.writestr("Übung 5/weights.npy", b"\\x93NUMPY" + bytes(100))',
    ].join('\n');
    execFileSync(python!, ['-c', script, out, nb]);
    const upload = await unpackUpload('py.zip', readFileSync(out));
    expect(upload.notebook.name).toBe('übung.ipynb');
    expect(upload.files.map((f) => f.path)).toEqual(['weights.npy']);
  });
});

/** A test that needs a tool says why it was skipped. */
function titled(title: string, tool: string | undefined, missing: string): string {
  return tool === undefined ? `${title} (skipped: ${missing})` : title;
}

describe('a submission of several separate files', () => {
  it('is checked by the same rules', async () => {
    const upload = unpackFiles([
      { path: 'hw.ipynb', bytes: Buffer.from(nb) },
      { path: 'model.pt', bytes: Buffer.from('w') },
    ]);
    expect(upload.notebook.name).toBe('hw.ipynb');
    expect(upload.files.map((f) => f.path)).toEqual(['model.pt']);
    await expectRefused(
      () =>
        unpackFiles([
          { path: 'a.ipynb', bytes: Buffer.from(nb) },
          { path: 'b.ipynb', bytes: Buffer.from(nb) },
        ]),
      'SEVERAL_NOTEBOOKS',
    );
    await expectRefused(() => unpackFiles([{ path: '../a.ipynb', bytes: Buffer.from(nb) }]), 'PATH_TRAVERSAL');
  });
});
