/**
 * Content-addressed files: an upload's bytes live at `<root>/ab/cdef...` (its sha256 hex,
 * split after two characters so no directory grows too large). The SQL store keeps only
 * the hash. Writes are atomic and durable (temp file, fsync, rename, fsync of the directory)
 * so an accepted upload survives a crash before the API answers 202; reads re-hash the
 * bytes so a damaged file is never graded as if it were the student's.
 */
import { createHash, randomUUID } from 'node:crypto';
import { constants as fsConstants, createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { NotGradableError, PlatformError, UsageError } from '../errors.js';

export interface BlobRef {
  /** sha256 of the bytes, lowercase hex. */
  hash: string;
  size: number;
}

export interface BlobStoreOptions {
  /** Largest blob `put` accepts. @defaultValue 64 MiB */
  maxBytes?: number;
}

export const DEFAULT_MAX_BLOB_BYTES = 64 * 1024 * 1024;
const HASH_PATTERN = /^[0-9a-f]{64}$/;
const TEMP_DIR = '.tmp';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class BlobStore {
  readonly maxBytes: number;

  constructor(
    /** The directory holding the blobs. */
    readonly root: string,
    options: BlobStoreOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BLOB_BYTES;
  }

  /** The blob store of the embedded deployment: `<dataDir>/blobs`. */
  static forConfig(config: Pick<Config, 'dataDir'>, options: BlobStoreOptions = {}): BlobStore {
    return new BlobStore(join(config.dataDir, 'blobs'), options);
  }

  /** Where the blob with this hash lives (whether or not it exists). */
  pathOf(hash: string): string {
    assertHash(hash);
    return join(this.root, hash.slice(0, 2), hash.slice(2));
  }

  /**
   * Stores the bytes durably and returns their address. Storing the same bytes again
   * is cheap and returns the same address.
   */
  async put(bytes: Uint8Array): Promise<BlobRef> {
    if (bytes.byteLength > this.maxBytes) {
      throw new NotGradableError(
        'TOO_LARGE',
        `the upload is ${formatMiB(bytes.byteLength)}; the limit is ${formatMiB(this.maxBytes)}: leave data sets and checkpoints out`,
      );
    }
    const hash = sha256Hex(bytes);
    const ref = { hash, size: bytes.byteLength };
    if ((await sizeOf(this.pathOf(hash))) === bytes.byteLength) return ref;
    const tempDir = await this.tempDir();
    const temp = join(tempDir, `${hash}.${randomUUID()}`);
    try {
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.commit(temp, hash);
    } catch (cause) {
      throw await writeFailed(hash, this.root, temp, cause);
    }
    return ref;
  }

  /**
   * Stores a copy of the file at `source` (an upload streamed to disk) without reading it
   * into memory; the source stays where it is, for its owner to remove.
   */
  async putFile(source: string): Promise<BlobRef> {
    let size: number;
    try {
      size = (await stat(source)).size;
    } catch (cause) {
      throw new PlatformError('BLOB_WRITE_FAILED', `cannot read the upload ${source}: ${errorText(cause)}`, { cause });
    }
    if (size > this.maxBytes) {
      throw new NotGradableError('TOO_LARGE', `the upload is ${formatMiB(size)}; the limit is ${formatMiB(this.maxBytes)}: leave data sets and checkpoints out`);
    }
    const tempDir = await this.tempDir();
    // The copy is hashed, not the source: what is stored is what the hash names.
    const temp = join(tempDir, `upload.${randomUUID()}`);
    let hash = '';
    try {
      await copyFile(source, temp, fsConstants.COPYFILE_EXCL);
      hash = await sha256OfFile(temp);
      if ((await sizeOf(this.pathOf(hash))) === size) {
        await unlink(temp);
        return { hash, size };
      }
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.commit(temp, hash);
    } catch (cause) {
      throw await writeFailed(hash || '(not hashed yet)', this.root, temp, cause);
    }
    return { hash, size };
  }

  private async tempDir(): Promise<string> {
    const tempDir = join(this.root, TEMP_DIR);
    try {
      await mkdir(tempDir, { recursive: true });
    } catch (cause) {
      throw new PlatformError('BLOB_WRITE_FAILED', `cannot create blob directories under ${this.root}: ${errorText(cause)}`, { cause });
    }
    return tempDir;
  }

  /**
   * Moves a complete, synced temp file to its address. The temp file is on the same
   * filesystem as the target, so rename is atomic: readers see either no blob or the
   * whole blob, never a partial one.
   */
  private async commit(temp: string, hash: string): Promise<void> {
    const dir = join(this.root, hash.slice(0, 2));
    await mkdir(dir, { recursive: true });
    await rename(temp, this.pathOf(hash));
    await syncDirectory(dir);
  }

  /** The blob's bytes, checked against its hash. Throws BLOB_NOT_FOUND or BLOB_CORRUPT. */
  async get(hash: string): Promise<Buffer> {
    const path = this.pathOf(hash);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new PlatformError('BLOB_NOT_FOUND', `blob ${hash} is missing from ${this.root}`, { cause });
      }
      throw new PlatformError('BLOB_READ_FAILED', `cannot read blob ${hash}: ${errorText(cause)}`, { cause });
    }
    const actual = sha256Hex(bytes);
    if (actual !== hash) {
      throw new PlatformError('BLOB_CORRUPT', `blob ${hash} is damaged on disk (its bytes hash to ${actual}); restore it from a backup`);
    }
    return bytes;
  }

  /** Whether a blob with this hash is stored (its content is checked only by `get`). */
  async has(hash: string): Promise<boolean> {
    return (await sizeOf(this.pathOf(hash))) !== undefined;
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The write failed; the temp file is removed (or the error says it could not be). */
async function writeFailed(hash: string, root: string, temp: string, cause: unknown): Promise<PlatformError> {
  const leftover = await unlink(temp).then(
    () => '',
    (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : `; the temp file ${temp} could not be removed either: ${e.message}`),
  );
  return new PlatformError('BLOB_WRITE_FAILED', `cannot store blob ${hash} under ${root}: ${errorText(cause)}${leftover}`, { cause });
}

function assertHash(hash: string): void {
  // The hash becomes a path: anything but 64 hex digits could walk out of the root.
  if (!HASH_PATTERN.test(hash)) throw new UsageError('BAD_BLOB_HASH', `not a sha256 hex digest: ${JSON.stringify(hash.slice(0, 80))}`);
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PlatformError('BLOB_READ_FAILED', `cannot stat ${path}: ${errorText(e)}`, { cause: e });
  }
}

/** A rename is durable only once the directory entry itself is flushed. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
