/**
 * Zips that inflate far beyond their size while each entry stays under a naive ratio
 * check: the shape of the bomb found probing the API (1.4 MB inflating to 265 MB).
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { buildZip } from './zip-writer.js';

/**
 * `size` bytes that deflate about `ratio` times: a random head (incompressible) and zeros
 * (deflate packs those about 1030 to 1).
 */
export function dataWithRatio(size: number, ratio: number): Buffer {
  const randomHead = Math.max(0, Math.round((size / ratio - size / 1030) / (1 - 1 / 1030)));
  const data = Buffer.alloc(size);
  randomBytes(randomHead).copy(data);
  return data;
}

export function deflateRatio(data: Uint8Array): number {
  return data.byteLength / deflateRawSync(data).byteLength;
}

/** 50 entries (a notebook and 49 weight files) at the given ratio, inflating to about `total` bytes. */
export function ratioBomb(notebook: Uint8Array, options: { total: number; ratio: number; files?: number }): Buffer {
  const files = options.files ?? 49;
  const entry = dataWithRatio(Math.floor(options.total / files), options.ratio);
  return buildZip([{ name: 'hw.ipynb', data: notebook }, ...Array.from({ length: files }, (_, i) => ({ name: `weights-${i}.bin`, data: entry }))]);
}
