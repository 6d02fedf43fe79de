/**
 * Turns what a student uploaded into the notebook to grade plus the files beside it.
 *
 * - `.ipynb`: the notebook itself.
 * - `.zip`: exactly one notebook plus model files of the accepted types (limits.ts),
 *   after the checks of zip.ts (paths, links, sizes, ratios). `__MACOSX/` and dot-files
 *   (`.ipynb_checkpoints/` included) are ignored. A single folder wrapping everything
 *   (a zipped project folder) is removed, so paths are relative to the project.
 *
 * The type is decided by content as well as by name: a `.zip` must carry the zip
 * signature, a notebook must be JSON (start with `{`). Every refusal is a
 * NotGradableError with a code from unpack-errors.ts and a message saying what to fix.
 */
import { open, readFile } from 'node:fs/promises';
import { stripControlCharacters } from '../safe-text.js';
import { isIgnoredPath, checkEntryPath, looksLikeZip, readZip, scanZip } from './zip.js';
import { formatBytes, resolveLimits, type UnpackLimits, type UnpackLimitsInput } from './limits.js';
import { unpackError } from './unpack-errors.js';

export interface UnpackedFile {
  /** Relative, `/`-separated, checked to stay inside the folder it is written to. */
  path: string;
  bytes: Buffer;
}

export interface UnpackedUpload {
  notebook: {
    /** File name of the notebook (no folders). */
    name: string;
    /** Its path relative to the upload's root: run it from that folder so relative paths to `files` work. */
    path: string;
    bytes: Buffer;
  };
  /** The other files, paths relative to the upload's root. */
  files: UnpackedFile[];
}

/**
 * What the API learns from an upload on disk: the notebook's bytes (to parse it), and the
 * other files checked (paths, types, sizes, checksums) and counted but not kept.
 */
export interface InspectedUpload {
  notebook: UnpackedUpload['notebook'];
  files: Array<{ path: string; size: number }>;
}

const NOTEBOOK_EXTENSION = '.ipynb';

/**
 * Unpacks one uploaded file. `fileName` is the name the client gave it (used for its
 * extension and as the notebook's name; folders in it are dropped).
 */
export async function unpackUpload(fileName: string, bytes: Uint8Array, overrides: UnpackLimitsInput = {}): Promise<UnpackedUpload> {
  const limits = resolveLimits(overrides);
  const name = baseName(fileName);
  const extension = extensionOf(name);
  const kind = extension === '' ? sniff(bytes) : extension;

  if (kind === NOTEBOOK_EXTENSION) {
    checkUploadSize(bytes.byteLength, limits);
    const notebookName = extension === '' ? `${name}${NOTEBOOK_EXTENSION}` : name;
    return { notebook: { name: notebookName, path: notebookName, bytes: checkNotebook(notebookName, bytes) }, files: [] };
  }
  if (kind === '.zip') {
    const files = await readZip(bytes, { limits, inspect: (paths) => checkContents(paths, limits) });
    const { notebook, others } = assemble(files, (f) => f.bytes);
    return { notebook, files: others };
  }
  throw unsupportedType(name);
}

/**
 * The same checks as `unpackUpload` for an upload saved to a file, holding only the
 * notebook in memory: a zip's other entries are inflated to check and count them, and
 * dropped. A notebook over `maxNotebookBytes` is refused from its size, before it is read.
 */
export async function inspectUploadFile(filePath: string, fileName: string, overrides: UnpackLimitsInput = {}): Promise<InspectedUpload> {
  const limits = resolveLimits(overrides);
  const name = baseName(fileName);
  const extension = extensionOf(name);
  const { size, head } = await sizeAndHead(filePath);
  const kind = extension === '' ? sniff(head) : extension;

  if (kind === NOTEBOOK_EXTENSION) {
    checkUploadSize(size, limits);
    const notebookName = extension === '' ? `${name}${NOTEBOOK_EXTENSION}` : name;
    checkNotebookSize(notebookName, size, limits);
    const bytes = await readFile(filePath);
    return { notebook: { name: notebookName, path: notebookName, bytes: checkNotebook(notebookName, bytes) }, files: [] };
  }
  if (kind === '.zip') {
    const scanned = await scanZip(
      { path: filePath },
      {
        limits,
        inspect: (paths) => checkContents(paths, limits),
        keep: (path) => extensionOf(path) === NOTEBOOK_EXTENSION,
        maxKeptBytes: limits.maxNotebookBytes,
        describeKept: 'a notebook',
      },
    );
    const { notebook, others } = assemble(scanned, (f) => f.bytes);
    return { notebook, files: others.map((f) => ({ path: f.path, size: f.size })) };
  }
  throw unsupportedType(name);
}

function unsupportedType(name: string): Error {
  return unpackError(
    'UNSUPPORTED_TYPE',
    `${JSON.stringify(name)} is neither a notebook nor a zip; upload your .ipynb, or a .zip holding it and its model files`,
  );
}

/** Enough of the start of a file to sniff its type (a notebook may open with whitespace). */
const SNIFF_BYTES = 4096;

async function sizeAndHead(filePath: string): Promise<{ size: number; head: Buffer }> {
  const handle = await open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    return { size, head };
  } finally {
    await handle.close();
  }
}

/**
 * The same rules for a submission that arrives as several separate files (an LMS that
 * lets students attach a notebook and a model file side by side).
 */
export function unpackFiles(files: readonly UnpackedFile[], overrides: UnpackLimitsInput = {}): UnpackedUpload {
  const limits = resolveLimits(overrides);
  for (const f of files) checkEntryPath(f.path, limits);
  const kept = files.filter((f) => !isIgnoredPath(f.path));
  checkContents(
    kept.map((f) => f.path),
    limits,
  );
  const total = kept.reduce((sum, f) => sum + f.bytes.byteLength, 0);
  if (total > limits.maxTotalBytes) {
    throw unpackError('TOO_LARGE', `the files come to ${formatBytes(total)}; the limit is ${formatBytes(limits.maxTotalBytes)}: leave data sets and checkpoints out`);
  }
  const seen = new Set<string>();
  for (const f of kept) {
    if (seen.has(f.path)) throw unpackError('DUPLICATE_PATH', `${JSON.stringify(f.path)} was submitted twice; keep one`);
    seen.add(f.path);
  }
  const { notebook, others } = assemble(
    kept.map((f) => ({ path: f.path, bytes: Buffer.from(f.bytes) })),
    (f) => f.bytes,
  );
  return { notebook, files: others };
}

/** Whole-upload rules, checked on names before anything is inflated. */
function checkContents(paths: readonly string[], limits: UnpackLimits): void {
  if (paths.length > limits.maxFiles) {
    throw unpackError('TOO_MANY_FILES', `the upload holds ${paths.length} files; the limit is ${limits.maxFiles}: keep the notebook and the files it needs`);
  }
  const notebooks = paths.filter((p) => extensionOf(p) === NOTEBOOK_EXTENSION);
  if (notebooks.length === 0) {
    const found = paths.length === 0 ? 'it is empty' : `it holds ${listNames(paths)}`;
    throw unpackError('NO_NOTEBOOK', `the upload has no .ipynb notebook (${found}); add your notebook`);
  }
  if (notebooks.length > 1) {
    throw unpackError('SEVERAL_NOTEBOOKS', `the upload holds ${notebooks.length} notebooks (${listNames(notebooks)}); keep only the one to grade`);
  }
  const refused = paths.filter((p) => p !== notebooks[0] && !limits.allowedExtensions.includes(extensionOf(p)));
  if (refused.length > 0) {
    throw unpackError(
      'UNSUPPORTED_TYPE',
      `the upload holds files of a type not accepted (${listNames(refused)}); keep the notebook and files ending in ${limits.allowedExtensions.join(' ')}`,
    );
  }
}

/** The notebook (checked) and the other files, with a wrapping project folder removed. */
function assemble<F extends { path: string }>(
  files: F[],
  bytesOf: (file: F) => Uint8Array | undefined,
): { notebook: UnpackedUpload['notebook']; others: F[] } {
  const rooted = stripWrapperFolders(files);
  const index = rooted.findIndex((f) => extensionOf(f.path) === NOTEBOOK_EXTENSION);
  const notebookFile = rooted[index];
  // checkContents guarantees one notebook; this guards a change there.
  if (notebookFile === undefined) throw unpackError('NO_NOTEBOOK', 'the upload has no .ipynb notebook; add your notebook');
  const name = notebookFile.path.split('/').at(-1) ?? notebookFile.path;
  return {
    notebook: { name, path: notebookFile.path, bytes: checkNotebook(notebookFile.path, bytesOf(notebookFile) ?? new Uint8Array()) },
    others: rooted.filter((_, i) => i !== index),
  };
}

/** `project/nb.ipynb`, `project/model.pt` → `nb.ipynb`, `model.pt`. */
function stripWrapperFolders<F extends { path: string }>(files: F[]): F[] {
  let current = files;
  while (current.length > 0) {
    const first = current[0]!.path.split('/')[0]!;
    const wrapped = current.every((f) => f.path.startsWith(`${first}/`));
    if (!wrapped) break;
    current = current.map((f) => ({ ...f, path: f.path.slice(first.length + 1) }));
  }
  return current;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** A notebook is JSON: after an optional byte-order mark and whitespace comes `{`. */
export function looksLikeNotebook(bytes: Uint8Array): boolean {
  let i = UTF8_BOM.every((b, k) => bytes[k] === b) ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i] === 0x7b;
}

function checkNotebook(name: string, bytes: Uint8Array): Buffer {
  if (bytes.byteLength === 0) throw unpackError('NOT_A_NOTEBOOK', `${JSON.stringify(name)} is empty; save the notebook and upload it again`);
  if (!looksLikeNotebook(bytes)) {
    const hint = looksLikeZip(bytes) ? ' (it is a zip archive: name it .zip)' : '';
    throw unpackError(
      'NOT_A_NOTEBOOK',
      `${JSON.stringify(name)} is not a Jupyter notebook${hint}; upload the .ipynb file Jupyter saves (File > Download > .ipynb)`,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkUploadSize(size: number, limits: UnpackLimits): void {
  const limit = Math.min(limits.maxUploadBytes, limits.maxTotalBytes);
  if (size > limit) {
    throw unpackError('TOO_LARGE', `the upload is ${formatBytes(size)}; the limit is ${formatBytes(limit)}: clear large outputs and upload again`);
  }
}

function checkNotebookSize(name: string, size: number, limits: UnpackLimits): void {
  if (size > limits.maxNotebookBytes) {
    throw unpackError(
      'TOO_LARGE',
      `${JSON.stringify(name)} is ${formatBytes(size)}, over the ${formatBytes(limits.maxNotebookBytes)} limit for a notebook; clear large outputs (Edit > Clear All Outputs) and save again`,
    );
  }
}

/** Without an extension, the content decides. */
function sniff(bytes: Uint8Array): string {
  if (looksLikeZip(bytes)) return '.zip';
  if (looksLikeNotebook(bytes)) return NOTEBOOK_EXTENSION;
  return '';
}

/** The last segment of a client-supplied name, whatever its separators. */
function baseName(fileName: string): string {
  const last = stripControlCharacters(fileName.split(/[\\/]/).at(-1) ?? '').trim();
  if (last === '') return 'upload';
  if (last.length <= 255) return last;
  const extension = extensionOf(last);
  return extension.length <= 16 ? last.slice(0, 255 - extension.length) + extension : last.slice(0, 255);
}

function extensionOf(path: string): string {
  const name = path.split('/').at(-1) ?? path;
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}

function listNames(paths: readonly string[]): string {
  const shown = paths.slice(0, 5).join(', ');
  return paths.length > 5 ? `${shown} and ${paths.length - 5} more` : shown;
}
