/**
 * A tiny zip writer for tests: it can write what real tools refuse to (symlinks, device
 * files, lying sizes, overlapping entries, unsafe names), so each attack is one entry spec.
 */
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../../../src/submission/crc32.js';

export interface ZipEntrySpec {
  /** A string is written as UTF-8 with the UTF-8 flag set. */
  name: string;
  data?: Uint8Array | string;
  /** @defaultValue 'deflate' */
  method?: 'store' | 'deflate';
  /** Unix st_mode, type bits included. @defaultValue 0o100644 (0o040755 for names ending in "/") */
  mode?: number;
  /** Size written in the headers instead of the real one (a lying header). */
  declaredSize?: number;
  /** Checksum written instead of the real one. */
  crc?: number;
  /** Compression method number written instead (e.g. 12, bzip2); data is stored. */
  methodNumber?: number;
  /** Sets the "encrypted" flag. */
  encrypted?: boolean;
  /** The central record points at the local header of this earlier entry (overlap). */
  shareDataWith?: number;
}

/** Deflated data by input: a bomb repeats one large entry many times, deflated once. */
const deflated = new WeakMap<Uint8Array, Buffer>();

function deflateOnce(raw: Uint8Array): Buffer {
  let out = deflated.get(raw);
  if (out === undefined) {
    out = deflateRawSync(raw);
    deflated.set(raw, out);
  }
  return out;
}

export function buildZip(entries: readonly ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;

  for (const spec of entries) {
    const name = Buffer.from(spec.name, 'utf8');
    const raw = typeof spec.data === 'string' ? Buffer.from(spec.data, 'utf8') : (spec.data ?? new Uint8Array());
    const deflate = (spec.method ?? 'deflate') === 'deflate' && spec.methodNumber === undefined;
    const encoded = deflate ? deflateOnce(raw) : Buffer.from(raw);
    // Traditional encryption puts a 12-byte header before the data; readers check for it.
    const payload = spec.encrypted === true ? Buffer.concat([Buffer.alloc(12), encoded]) : encoded;
    const method = spec.methodNumber ?? (deflate ? 8 : 0);
    const crc = spec.crc ?? crc32(raw);
    const size = spec.declaredSize ?? raw.length;
    const flags = 0x0800 | (spec.encrypted === true ? 0x0001 : 0);
    const mode = spec.mode ?? (spec.name.endsWith('/') ? 0o040755 : 0o100644);

    const headerOffset = spec.shareDataWith === undefined ? offset : offsets[spec.shareDataWith]!;
    if (spec.shareDataWith === undefined) {
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(flags, 6);
      local.writeUInt16LE(method, 8);
      local.writeUInt16LE(0, 10); // time
      local.writeUInt16LE(0x21, 12); // date: 1980-01-01
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(payload.length, 18);
      local.writeUInt32LE(size, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(0, 28);
      locals.push(local, name, payload);
      offsets.push(offset);
      offset += local.length + name.length + payload.length;
    } else {
      offsets.push(headerOffset);
    }

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(payload.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(headerOffset, 42);
    centrals.push(central, name);
  }

  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A minimal valid nbformat 4 notebook. */
export function notebookJson(source = 'print(1)'): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ cell_type: 'code', id: 'c1', metadata: {}, source, outputs: [], execution_count: null }],
  });
}
