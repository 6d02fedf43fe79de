/**
 * Reads a zip archive, held in memory or in a file, refusing anything unsafe before a byte
 * is inflated: every entry's path, type, compression ratio and the totals are checked from
 * the central directory first; then the files are inflated with their actual sizes and
 * checksums counted, so a lying size header cannot slip a bomb through. Only the files the
 * caller asks to keep are held in memory; the others are inflated, counted and dropped.
 */
import { open as openFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { isAutograderError } from '../errors.js';
import { stripControlCharacters } from '../safe-text.js';
import { crc32 } from './crc32.js';
import { formatBytes, type UnpackLimits } from './limits.js';
import { unpackError } from './unpack-errors.js';

export interface ArchiveFile {
  /** Relative path inside the archive, `/`-separated, already checked to be safe. */
  path: string;
  bytes: Buffer;
}

export interface ReadZipOptions {
  limits: UnpackLimits;
  /**
   * Sees the paths of all files to be kept, before any is inflated; throws to refuse the
   * archive (e.g. a file type that is not accepted, two notebooks).
   */
  inspect?: (paths: readonly string[]) => void;
}

/** A zip in memory, or the path of a zip file (read through a file descriptor, never whole). */
export type ZipSource = Uint8Array | { path: string };

export interface ScannedFile {
  /** Relative path inside the archive, `/`-separated, already checked to be safe. */
  path: string;
  /** Its inflated size, counted while inflating. */
  size: number;
  /** Its bytes when `keep` asked for them; undefined for files only checked. */
  bytes: Buffer | undefined;
}

export interface ScanZipOptions extends ReadZipOptions {
  /**
   * Which files to hold in memory. The others are inflated all the same (sizes and
   * checksums are checked) but their bytes are dropped as they come. @defaultValue every file
   */
  keep?: (path: string) => boolean;
  /** Most bytes one kept file may inflate to; refused (TOO_LARGE) from its header. @defaultValue no limit beyond maxTotalBytes */
  maxKeptBytes?: number;
  /** The file's name in messages about a kept file that is too large. */
  describeKept?: string;
}

const ZIP_SIGNATURES = [
  [0x50, 0x4b, 0x03, 0x04], // local file header: an archive with entries
  [0x50, 0x4b, 0x05, 0x06], // end of central directory first: an empty archive
];

/** By content: the archive starts with a zip signature. */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return ZIP_SIGNATURES.some((sig) => sig.every((b, i) => bytes[i] === b));
}

const IGNORED_NAMES = new Set(['thumbs.db', 'desktop.ini']);

/**
 * Litter that archivers and operating systems add: macOS resource forks (`__MACOSX/`),
 * dot-files and dot-folders (`.DS_Store`, `.ipynb_checkpoints/`), Windows thumbnails.
 */
export function isIgnoredPath(path: string): boolean {
  const segments = path.split('/').filter((s) => s !== '');
  if (segments[0] === '__MACOSX') return true;
  if (segments.some((s) => s.startsWith('.') && s !== '.' && s !== '..')) return true;
  return IGNORED_NAMES.has((segments.at(-1) ?? '').toLowerCase());
}

/** Refuses a path that could escape the folder it is unpacked into, or that no tool should write. */
export function checkEntryPath(path: string, limits: Pick<UnpackLimits, 'maxPathBytes'>): void {
  const shown = JSON.stringify(path.length > 120 ? `${path.slice(0, 120)}...` : path);
  if (path === '') throw unpackError('BAD_PATH', 'the zip has an entry with an empty name; create the zip again');
  if (stripControlCharacters(path) !== path) {
    throw unpackError('BAD_PATH', `the zip entry ${JSON.stringify(stripControlCharacters(shown))} has control or text-direction characters in its name; rename the file`);
  }
  const slashed = path.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) {
    throw unpackError('PATH_TRAVERSAL', `the zip entry ${shown} has an absolute path; zip the files with paths relative to their folder`);
  }
  if (slashed.split('/').includes('..')) {
    throw unpackError('PATH_TRAVERSAL', `the zip entry ${shown} points outside the archive (".."); zip only files inside your project folder`);
  }
  if (path.includes('\\')) {
    throw unpackError('BAD_PATH', `the zip entry ${shown} uses backslashes in its path; create the zip with your system's "Compress" command or \`zip -r\``);
  }
  if (Buffer.byteLength(path, 'utf8') > limits.maxPathBytes) {
    throw unpackError('BAD_PATH', `the zip entry ${shown} has a path longer than ${limits.maxPathBytes} bytes; use shorter names`);
  }
  const segments = path.endsWith('/') ? path.slice(0, -1).split('/') : path.split('/');
  if (segments.some((s) => s === '' || s === '.')) {
    throw unpackError('BAD_PATH', `the zip entry ${shown} has an empty or "." folder in its path; create the zip again`);
  }
}

// File types in the upper 16 bits of the external attributes (Unix `st_mode`).
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

type EntryKind = 'file' | 'directory' | 'symlink' | 'special';

function entryKind(entry: Entry, path: string): EntryKind {
  // Read the mode whatever host the archive claims: a symlink is refused even in a zip
  // that says it was made on DOS.
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (type === S_IFLNK) return 'symlink';
  if (type === S_IFDIR || path.endsWith('/')) return 'directory';
  if (type === 0 || type === S_IFREG) return 'file';
  return 'special';
}

/**
 * The archive's files (not directories, not ignored litter), checked against `limits`.
 * Throws a NotGradableError (see unpack-errors.ts) on the first problem.
 */
export async function readZip(bytes: Uint8Array, options: ReadZipOptions): Promise<ArchiveFile[]> {
  const scanned = await scanZip(bytes, options);
  return scanned.map((f) => ({ path: f.path, bytes: f.bytes ?? Buffer.alloc(0) }));
}

/**
 * Like `readZip`, from memory or from a file, keeping in memory only the files `keep`
 * selects: what the API needs to validate an upload without holding it.
 */
export async function scanZip(source: ZipSource, options: ScanZipOptions): Promise<ScannedFile[]> {
  const { limits } = options;
  const { size, head } = await sizeAndHead(source);
  if (size > limits.maxUploadBytes) {
    throw unpackError(
      'TOO_LARGE',
      `the archive is ${formatBytes(size)}; the limit is ${formatBytes(limits.maxUploadBytes)}: leave data sets and checkpoints out`,
    );
  }
  if (!looksLikeZip(head)) {
    throw unpackError('NOT_A_ZIP', 'the file is not a zip archive; create it with a zip tool, or upload the .ipynb itself');
  }
  const zipfile = await openZip(source);
  try {
    if (zipfile.entryCount > limits.maxEntries) {
      throw unpackError('TOO_MANY_FILES', `the zip has ${zipfile.entryCount} entries; the limit is ${limits.maxEntries}: zip only the notebook and the files it needs`);
    }
    const planned = await planEntries(zipfile, limits);
    options.inspect?.(planned.map((k) => k.path));
    const files: ScannedFile[] = [];
    let budget = limits.maxTotalBytes;
    for (const { entry, path } of planned) {
      const keep = options.keep?.(path) ?? true;
      if (keep && options.maxKeptBytes !== undefined && entry.uncompressedSize > options.maxKeptBytes) {
        throw unpackError(
          'TOO_LARGE',
          `${JSON.stringify(path)} is ${formatBytes(entry.uncompressedSize)} unpacked, over the ${formatBytes(options.maxKeptBytes)} limit` +
            `${options.describeKept === undefined ? '' : ` for ${options.describeKept}`}; clear large outputs and upload again`,
        );
      }
      const inflated = await inflate(zipfile, entry, path, budget, limits, keep);
      budget -= inflated.size;
      files.push({ path, size: inflated.size, bytes: inflated.bytes });
    }
    return files;
  } finally {
    if (zipfile.isOpen) zipfile.close();
  }
}

const HEAD_BYTES = 4;

async function sizeAndHead(source: ZipSource): Promise<{ size: number; head: Uint8Array }> {
  if (source instanceof Uint8Array) return { size: source.byteLength, head: source.subarray(0, HEAD_BYTES) };
  const handle = await openFile(source.path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    await handle.read(head, 0, head.length, 0);
    return { size, head };
  } finally {
    await handle.close();
  }
}

interface PlannedEntry {
  entry: Entry;
  path: string;
}

/** Checks every entry from the central directory; returns the ones to inflate. */
async function planEntries(zipfile: ZipFile, limits: UnpackLimits): Promise<PlannedEntry[]> {
  const kept: PlannedEntry[] = [];
  const paths = new Set<string>();
  const folders = new Set<string>();
  const dataOffsets = new Set<number>();
  let declaredTotal = 0;
  for await (const entry of readEntries(zipfile)) {
    const path = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
    checkEntryPath(path, limits);
    const kind = entryKind(entry, path);
    const shown = JSON.stringify(path);
    if (kind === 'symlink') {
      throw unpackError('SYMLINK', `the zip entry ${shown} is a symbolic link; put the file itself in the zip (zip without -y)`);
    }
    if (kind === 'special') {
      throw unpackError('SPECIAL_FILE', `the zip entry ${shown} is a device, pipe or socket, not a file; remove it`);
    }
    if (kind === 'directory' || isIgnoredPath(path)) continue;

    if (paths.has(path) || folders.has(path)) {
      throw unpackError('DUPLICATE_PATH', `the zip holds ${shown} twice (or as a file and a folder); keep one`);
    }
    const parents = parentFolders(path);
    const clash = parents.find((p) => paths.has(p));
    if (clash !== undefined) {
      throw unpackError('DUPLICATE_PATH', `the zip holds ${JSON.stringify(clash)} both as a file and as a folder; rename one`);
    }
    // Two entries sharing one stream of data is how non-recursive zip bombs multiply their output.
    if (dataOffsets.has(entry.relativeOffsetOfLocalHeader)) {
      throw unpackError('ZIP_BOMB', `the zip entry ${shown} reuses another entry's data (overlapping entries); create the zip again with a standard tool`);
    }
    if (entry.isEncrypted()) {
      throw unpackError('ENCRYPTED', `the zip entry ${shown} is password-protected; create the zip again without a password`);
    }
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      throw unpackError(
        'UNSUPPORTED_COMPRESSION',
        `the zip entry ${shown} uses compression method ${entry.compressionMethod}; create the zip with standard (deflate) compression`,
      );
    }
    checkRatio(entry, shown, limits);
    if (kept.length + 1 > limits.maxFiles) {
      throw unpackError('TOO_MANY_FILES', `the zip holds more than ${limits.maxFiles} files; zip only the notebook and the files it needs`);
    }
    declaredTotal += entry.uncompressedSize;
    if (declaredTotal > limits.maxTotalBytes) {
      throw unpackError(
        'TOO_LARGE',
        `the zip's files come to more than ${formatBytes(limits.maxTotalBytes)} unpacked; leave data sets and checkpoints out`,
      );
    }

    paths.add(path);
    for (const p of parents) folders.add(p);
    dataOffsets.add(entry.relativeOffsetOfLocalHeader);
    kept.push({ entry, path });
  }
  return kept;
}

function checkRatio(entry: Entry, shown: string, limits: UnpackLimits): void {
  // Below the floor a file is too small to matter, whatever its ratio (a 1 KiB text file of
  // spaces); above it every file counts, so many middling entries cannot add up to a bomb.
  if (entry.uncompressedSize < limits.ratioCheckMinBytes) return;
  const ratio = entry.compressedSize === 0 ? Infinity : entry.uncompressedSize / entry.compressedSize;
  if (ratio > limits.maxCompressionRatio) {
    throw unpackError(
      'ZIP_BOMB',
      `the zip entry ${shown} inflates ${Number.isFinite(ratio) ? `${Math.round(ratio)} times` : 'from nothing'} ` +
        `(${formatBytes(entry.compressedSize)} to ${formatBytes(entry.uncompressedSize)}; the limit is ${limits.maxCompressionRatio} times): ` +
        'this looks like a zip bomb; upload only real files',
    );
  }
}

function parentFolders(path: string): string[] {
  const segments = path.split('/');
  return segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'));
}

/**
 * Inflates one entry, counting what actually comes out rather than trusting the header,
 * and checking its checksum chunk by chunk. Holds the bytes only when `keep`.
 */
async function inflate(
  zipfile: ZipFile,
  entry: Entry,
  path: string,
  budget: number,
  limits: UnpackLimits,
  keep: boolean,
): Promise<{ size: number; bytes: Buffer | undefined }> {
  const shown = JSON.stringify(path);
  const chunks: Buffer[] = [];
  let size = 0;
  let checksum = 0;
  let stream: Readable | undefined;
  try {
    stream = await zipfile.openReadStreamPromise(entry);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > entry.uncompressedSize) {
        throw unpackError('ZIP_BOMB', `the zip entry ${shown} inflates beyond the size it declares (${formatBytes(entry.uncompressedSize)}); this looks like a zip bomb`);
      }
      if (size > budget) {
        throw unpackError('TOO_LARGE', `the zip's files come to more than ${formatBytes(limits.maxTotalBytes)} unpacked; leave data sets and checkpoints out`);
      }
      checksum = crc32(chunk, checksum);
      if (keep) chunks.push(chunk);
    }
  } catch (e) {
    stream?.destroy();
    if (isAutograderError(e)) throw e;
    const detail = e instanceof Error ? e.message : String(e);
    if (detail.startsWith('too many bytes')) {
      throw unpackError('ZIP_BOMB', `the zip entry ${shown} inflates beyond the size it declares; this looks like a zip bomb`, { cause: e });
    }
    throw unpackError('CORRUPT_ZIP', `the zip entry ${shown} cannot be read (${detail}); create the zip again`, { cause: e });
  }
  if (size !== entry.uncompressedSize) {
    throw unpackError('CORRUPT_ZIP', `the zip entry ${shown} is truncated; create the zip again`);
  }
  if (checksum !== entry.crc32 >>> 0) {
    throw unpackError('CORRUPT_ZIP', `the zip entry ${shown} is damaged (checksum mismatch); create the zip again`);
  }
  return { size, bytes: keep ? Buffer.concat(chunks, size) : undefined };
}

function openZip(source: ZipSource): Promise<ZipFile> {
  // decodeStrings off: yauzl would reject unsafe names with its own untyped errors;
  // names are decoded and checked here instead, with messages that say what to fix.
  const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true };
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zipfile: ZipFile) => {
      if (err !== null) {
        reject(unpackError('CORRUPT_ZIP', `the zip archive cannot be read (${err.message}); create it again`, { cause: err }));
      } else {
        resolve(zipfile);
      }
    };
    if (source instanceof Uint8Array) {
      yauzl.fromBuffer(Buffer.from(source.buffer, source.byteOffset, source.byteLength), options, done);
    } else {
      yauzl.open(source.path, options, done);
    }
  });
}

/** yauzl's entries one by one, with its structural errors turned into CORRUPT_ZIP. */
async function* readEntries(zipfile: ZipFile): AsyncGenerator<Entry> {
  const entries = zipfile.eachEntry();
  while (true) {
    let next: IteratorResult<Entry>;
    try {
      next = await entries.next();
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      throw unpackError('CORRUPT_ZIP', `the zip archive cannot be read (${detail}); create it again`, { cause: e });
    }
    if (next.done === true) return;
    yield next.value;
  }
}
