/**
 * CRC-32 (the zip variant). yauzl does not check entry checksums, so unpacking does.
 * Node >= 20.15 / 22.2 ship a native one; the table version covers older Node 20 releases.
 */
import * as zlib from 'node:zlib';

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The checksum of `bytes`; pass the checksum of the bytes before them as `previous` to
 * checksum a stream chunk by chunk (`crc32(b, crc32(a))` is `crc32(a + b)`).
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  if (native !== undefined) return native(bytes, previous) >>> 0;
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
