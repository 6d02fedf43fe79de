/**
 * inspectUploadFile: what the API runs on an upload saved to a temporary file. Only the
 * notebook comes back as bytes; every other entry is inflated, counted and checked
 * (sizes, checksums) but not kept. Bombs are refused whatever the size of their entries.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NotGradableError } from '../../../src/errors.js';
import { stripControlCharacters } from '../../../src/safe-text.js';
import { inspectUploadFile, unpackUpload } from '../../../src/submission/unpack.js';
import { dataWithRatio, deflateRatio, ratioBomb } from './helpers/bombs.js';
import { buildZip } from './helpers/zip-writer.js';

const MiB = 1024 * 1024;
const nb = JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: 'x = 1' }] });

const dir = mkdtempSync(join(tmpdir(), 'inspect-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
function onDisk(bytes: Uint8Array): string {
  const path = join(dir, `upload-${counter++}`);
  writeFileSync(path, bytes);
  return path;
}

async function refusal(work: Promise<unknown>): Promise<NotGradableError> {
  const e = await work.then(
    () => {
      throw new Error('accepted what it should refuse');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(NotGradableError);
  return e as NotGradableError;
}

describe('inspectUploadFile', () => {
  it('reads a notebook file', async () => {
    const inspected = await inspectUploadFile(onDisk(Buffer.from(nb)), 'hw5.ipynb');
    expect(inspected.notebook).toMatchObject({ name: 'hw5.ipynb', path: 'hw5.ipynb' });
    expect(inspected.notebook.bytes.toString()).toBe(nb);
    expect(inspected.files).toEqual([]);
  });

  it('sniffs a file without an extension', async () => {
    expect((await inspectUploadFile(onDisk(Buffer.from(`  \n${nb}`)), 'upload')).notebook.name).toBe('upload.ipynb');
    const zip = buildZip([{ name: 'a.ipynb', data: nb }]);
    expect((await inspectUploadFile(onDisk(zip), 'upload')).notebook.name).toBe('a.ipynb');
  });

  it('keeps only the notebook of a zip, and counts the other files', async () => {
    const weights = dataWithRatio(3 * MiB, 2);
    const zip = buildZip([
      { name: 'project/hw.ipynb', data: nb },
      { name: 'project/model.pt', data: weights },
      { name: 'project/data/labels.csv', data: 'a,b\n1,2\n' },
    ]);
    const inspected = await inspectUploadFile(onDisk(zip), 'hw.zip');
    expect(inspected.notebook).toMatchObject({ name: 'hw.ipynb', path: 'hw.ipynb' });
    expect(inspected.notebook.bytes.toString()).toBe(nb);
    expect(inspected.files).toEqual([
      { path: 'model.pt', size: 3 * MiB },
      { path: 'data/labels.csv', size: 8 },
    ]);
  });

  it('checks the checksum of entries it does not keep', async () => {
    const zip = buildZip([
      { name: 'hw.ipynb', data: nb },
      { name: 'model.pt', data: 'weights', crc: 1234 },
    ]);
    expect((await refusal(inspectUploadFile(onDisk(zip), 'hw.zip'))).code).toBe('CORRUPT_ZIP');
  });

  it('refuses a notebook over maxNotebookBytes from its size, in a zip or alone', async () => {
    const big = JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { pad: 'x'.repeat(4000) }, cells: [] });
    const zip = buildZip([{ name: 'hw.ipynb', data: big }]);
    expect((await refusal(inspectUploadFile(onDisk(zip), 'hw.zip', { maxNotebookBytes: 1000 }))).code).toBe('TOO_LARGE');
    expect((await refusal(inspectUploadFile(onDisk(Buffer.from(big)), 'hw.ipynb', { maxNotebookBytes: 1000 }))).code).toBe('TOO_LARGE');
  });

  it('refuses the 1.4 MB zip that inflates to 265 MB in entries just under the old ratio limit', async () => {
    const zip = ratioBomb(Buffer.from(nb), { total: 265_000_000, ratio: 190 });
    expect(zip.byteLength).toBeLessThan(2_000_000);
    // Each entry is under the 200 times the unpacker used to allow.
    expect(265_000_000 / zip.byteLength).toBeGreaterThan(150);
    expect(265_000_000 / zip.byteLength).toBeLessThan(200);
    const e = await refusal(inspectUploadFile(onDisk(zip), 'hw.zip'));
    expect(e.code).toBe('ZIP_BOMB');
    expect(e.message).toMatch(/weights-0\.bin/);
  });

  it('holds small entries to the ratio too: many middling bombs cannot add up', async () => {
    const entry = Buffer.alloc(512 * 1024);
    expect(deflateRatio(entry)).toBeGreaterThan(500);
    const zip = buildZip([{ name: 'hw.ipynb', data: nb }, ...Array.from({ length: 40 }, (_, i) => ({ name: `w${i}.bin`, data: entry }))]);
    expect((await refusal(inspectUploadFile(onDisk(zip), 'hw.zip'))).code).toBe('ZIP_BOMB');
    // The worker's unpacker applies the same rule.
    expect((await refusal(unpackUpload('hw.zip', zip))).code).toBe('ZIP_BOMB');
  });

  it('accepts large real-looking files inside the limits and reports their sizes', async () => {
    const weights = dataWithRatio(8 * MiB, 50);
    expect(deflateRatio(weights)).toBeLessThan(100);
    const zip = buildZip([{ name: 'hw.ipynb', data: nb }, ...Array.from({ length: 10 }, (_, i) => ({ name: `w${i}.npy`, data: weights }))]);
    const inspected = await inspectUploadFile(onDisk(zip), 'hw.zip');
    expect(inspected.files.reduce((sum, f) => sum + f.size, 0)).toBe(80 * MiB);
    expect(inspected.files.every((f) => !('bytes' in f))).toBe(true);
  });

  it('refuses a file that is neither notebook nor zip', async () => {
    expect((await refusal(inspectUploadFile(onDisk(Buffer.from('%PDF-1.7')), 'report.pdf'))).code).toBe('UNSUPPORTED_TYPE');
    expect((await refusal(inspectUploadFile(onDisk(Buffer.from('%PDF-1.7')), 'hw.zip'))).code).toBe('NOT_A_ZIP');
  });
});

describe('file names', () => {
  it('lose control and bidi characters, so reports never carry them', async () => {
    const upload = await unpackUpload('hw\u001b[2J\u009b\u202egnp.ipynb', Buffer.from(nb));
    expect(upload.notebook.name).toBe('hw[2Jgnp.ipynb');
  });
});

describe('zip entry names', () => {
  it.each([['C0 escape', 'a\u001b[2J.ipynb'], ['C1 CSI', 'a\u009b2J.ipynb'], ['bidi override', 'model\u202eтп.ipynb'], ['DEL', 'a\u007f.ipynb']])(
    'with a %s are refused, and the message carries none of it',
    async (_what, name) => {
      const zip = buildZip([{ name, data: nb }]);
      const e = await refusal(inspectUploadFile(onDisk(zip), 'hw.zip'));
      expect(e.code).toBe('BAD_PATH');
      expect(e.message).toBe(stripControlCharacters(e.message));
    },
  );
});
