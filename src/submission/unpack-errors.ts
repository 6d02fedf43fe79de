/**
 * Why an upload was refused. Each is a `NotGradableError` (kind `student`) whose message
 * says what to fix; the API answers 4xx with it and stores nothing.
 */
import { NotGradableError } from '../errors.js';

export const UNPACK_ERROR_CODES = [
  /** Empty, or an `.ipynb` that is not JSON (does not start with `{`). */
  'NOT_A_NOTEBOOK',
  /** A `.zip` without the zip signature. */
  'NOT_A_ZIP',
  /** A zip whose structure or data cannot be read (truncated, bad checksum). */
  'CORRUPT_ZIP',
  /** Neither `.ipynb` nor `.zip`, or a file in the zip of a type not accepted. */
  'UNSUPPORTED_TYPE',
  /** The upload, one file or all files together are over the size limit. */
  'TOO_LARGE',
  /** More files or entries than allowed. */
  'TOO_MANY_FILES',
  /** An entry inflates far beyond its compressed size, or beyond what it declared, or entries overlap. */
  'ZIP_BOMB',
  /** An absolute path, a drive letter or a `..` segment. */
  'PATH_TRAVERSAL',
  /** Backslashes, control characters, empty or `.` segments, or a name that is too long. */
  'BAD_PATH',
  /** A symbolic link. */
  'SYMLINK',
  /** A device file, FIFO or socket. */
  'SPECIAL_FILE',
  /** The same path twice, or a path that is both a file and a folder. */
  'DUPLICATE_PATH',
  /** A password-protected entry. */
  'ENCRYPTED',
  /** A compression method other than stored or deflate. */
  'UNSUPPORTED_COMPRESSION',
  /** No `.ipynb` in the zip. */
  'NO_NOTEBOOK',
  /** More than one `.ipynb` in the zip. */
  'SEVERAL_NOTEBOOKS',
] as const;
export type UnpackErrorCode = (typeof UNPACK_ERROR_CODES)[number];

export function unpackError(code: UnpackErrorCode, message: string, options?: { cause?: unknown }): NotGradableError {
  return new NotGradableError(code, message, options);
}
