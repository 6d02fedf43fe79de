/**
 * Content-addressed files: an upload's bytes live at `<root>/ab/cdef...` (its sha256 hex,
 * split after two characters so no directory grows too large). The SQL store keeps only
 * the hash. Writes are atomic and durable (temp file, fsync, rename, fsync of the directory)
 * so an accepted upload survives a crash before the API answers 202; reads re-hash the
 * bytes so a damaged file is never graded as if it were the student's.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
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
    const target = this.pathOf(hash);
    if ((await sizeOf(target)) === bytes.byteLength) return ref;

    const tempDir = join(this.root, TEMP_DIR);
    const dir = join(this.root, hash.slice(0, 2));
    try {
      await mkdir(tempDir, { recursive: true });
      await mkdir(dir, { recursive: true });
    } catch (cause) {
      throw new PlatformError('BLOB_WRITE_FAILED', `cannot create blob directories under ${this.root}: ${errorText(cause)}`, { cause });
    }
    // The temp file is on the same filesystem as the target, so rename is atomic: readers
    // see either no blob or the whole blob, never a partial one.
    const temp = join(tempDir, `${hash}.${randomUUID()}`);
    try {
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
      await syncDirectory(dir);
    } catch (cause) {
      const leftover = await unlink(temp).then(
        () => '',
        (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? '' : `; the temp file ${temp} could not be removed either: ${e.message}`),
      );
      throw new PlatformError('BLOB_WRITE_FAILED', `cannot store blob ${hash} under ${this.root}: ${errorText(cause)}${leftover}`, { cause });
    }
    return ref;
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
