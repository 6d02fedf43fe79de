/**
 * Limits on what an upload may unpack to. Every one has a default; callers override
 * single keys (`unpackUpload(name, bytes, { maxFiles: 10 })`).
 */
import { z } from 'zod';
import { DEFAULT_MAX_NOTEBOOK_BYTES } from '../notebook/parse.js';

const MiB = 1024 * 1024;

export const DEFAULT_ALLOWED_EXTENSIONS = ['.pt', '.pth', '.json', '.bin', '.onnx', '.npz', '.npy', '.csv', '.txt'] as const;

export const UnpackLimitsSchema = z.object({
  /** Largest upload accepted, as received (compressed). @defaultValue 64 MiB */
  maxUploadBytes: z.number().int().positive().default(64 * MiB),
  /** Largest sum of the uncompressed sizes of the files kept. @defaultValue 256 MiB */
  maxTotalBytes: z.number().int().positive().default(256 * MiB),
  /** Most files kept (the notebook and model files). @defaultValue 50 */
  maxFiles: z.number().int().positive().default(50),
  /** Most entries in the archive, directories and ignored files (`__MACOSX/`, dot-files) included. @defaultValue 1000 */
  maxEntries: z.number().int().positive().default(1000),
  /** Largest notebook, unpacked; the one file the API inflates into memory. @defaultValue 20 MiB */
  maxNotebookBytes: z.number().int().positive().default(DEFAULT_MAX_NOTEBOOK_BYTES),
  /**
   * Highest uncompressed/compressed ratio of one entry. Course notebooks compress about
   * 5 times, weights hardly at all; deflate bombs reach about 1000. @defaultValue 100
   */
  maxCompressionRatio: z.number().positive().default(100),
  /**
   * Entries smaller than this are not held to the ratio (a tiny file compresses absurdly
   * well and inflates to little). Low, so that many middling entries cannot add up to a
   * bomb: 50 files under it inflate to 3 MiB at most. @defaultValue 64 KiB
   */
  ratioCheckMinBytes: z.number().int().nonnegative().default(64 * 1024),
  /** Longest path of an entry, in UTF-8 bytes. @defaultValue 255 */
  maxPathBytes: z.number().int().positive().default(255),
  /**
   * Extensions (lowercase, with the dot) of the files accepted beside the notebook.
   * @defaultValue .pt .pth .json .bin .onnx .npz .npy .csv .txt
   */
  allowedExtensions: z
    .array(z.string().regex(/^\.[a-z0-9]+$/, 'a lowercase extension with its dot, e.g. ".pt"'))
    .default([...DEFAULT_ALLOWED_EXTENSIONS]),
});
export type UnpackLimits = z.output<typeof UnpackLimitsSchema>;
export type UnpackLimitsInput = z.input<typeof UnpackLimitsSchema>;

export function resolveLimits(overrides: UnpackLimitsInput = {}): UnpackLimits {
  return UnpackLimitsSchema.parse(overrides);
}

export function formatBytes(bytes: number): string {
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
