/**
 * Limits on what an upload may unpack to. Every one has a default; callers override
 * single keys (`unpackUpload(name, bytes, { maxFiles: 10 })`).
 */
import { z } from 'zod';

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
  /**
   * Highest uncompressed/compressed ratio of one entry. Notebooks and weights compress
   * far less than this; deflate bombs reach about 1000. @defaultValue 200
   */
  maxCompressionRatio: z.number().positive().default(200),
  /** Entries smaller than this are not held to the ratio (tiny files compress absurdly well). @defaultValue 1 MiB */
  ratioCheckMinBytes: z.number().int().nonnegative().default(MiB),
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
