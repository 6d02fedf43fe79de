/**
 * Receiving one uploaded file: multipart, field `file`, streamed to a temporary file under
 * a size limit (never held in memory). The route removes the file once the upload is
 * answered, whatever the answer; multer removes what it wrote when the body fails.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import type { Logger } from '../logger.js';
import { stripControlCharacters } from '../safe-text.js';
import { formatBytes } from '../submission/limits.js';
import { HttpError } from './http-error.js';

export const UPLOAD_FIELD = 'file';

export interface UploadedFile {
  /** The client's file name, folders and control characters removed (display only, never a path on disk). */
  name: string;
  /** The temporary file holding the bytes. */
  path: string;
  size: number;
}

export interface UploadParserOptions {
  maxUploadBytes: number;
  /** Where bodies are written while they are checked; created if missing. */
  tempDir: string;
}

/** The multipart parser; refuses everything but one file in the field `file`. */
export function uploadParser(options: UploadParserOptions): RequestHandler {
  const { maxUploadBytes, tempDir } = options;
  mkdirSync(tempDir, { recursive: true, mode: 0o700 });
  const parse = multer({
    storage: multer.diskStorage({ destination: tempDir, filename: (_req, _file, cb) => cb(null, `upload-${randomUUID()}`) }),
    // Browsers send UTF-8 file names without saying so; latin1 would garble "Übung.ipynb".
    defParamCharset: 'utf8',
    limits: { fileSize: maxUploadBytes, files: 1, fields: 10, parts: 12, fieldSize: 64 * 1024, headerPairs: 100 },
  }).single(UPLOAD_FIELD);
  return (req: Request, res: Response, next) => {
    if (!req.is('multipart/form-data')) {
      next(
        new HttpError(
          415,
          'NOT_MULTIPART',
          `send the notebook as multipart/form-data in the field "${UPLOAD_FIELD}" (e.g. curl -F ${UPLOAD_FIELD}=@homework.ipynb ...)`,
        ),
      );
      return;
    }
    parse(req, res, (err?: unknown) => next(err === undefined || err === null ? undefined : multerError(err, maxUploadBytes)));
  };
}

function multerError(err: unknown, maxUploadBytes: number): unknown {
  if (!(err instanceof multer.MulterError)) {
    // busboy's own errors: a truncated or malformed multipart body.
    if (err instanceof Error) return new HttpError(400, 'BAD_MULTIPART', `the multipart body could not be read (${err.message}); send it again`);
    return err;
  }
  switch (err.code) {
    case 'LIMIT_FILE_SIZE':
      return new HttpError(413, 'TOO_LARGE', `the upload is over the ${formatBytes(maxUploadBytes)} limit: clear large outputs, leave data sets and checkpoints out`);
    case 'LIMIT_UNEXPECTED_FILE':
      return new HttpError(400, 'WRONG_FIELD', `send the file in the multipart field "${UPLOAD_FIELD}"${err.field ? `, not "${err.field}"` : ''}`);
    case 'LIMIT_FILE_COUNT':
      return new HttpError(400, 'TOO_MANY_FILES', `send exactly one file in the field "${UPLOAD_FIELD}"; put a notebook and its model files in one .zip`);
    default:
      return new HttpError(400, 'BAD_MULTIPART', `the multipart body was refused: ${err.message}`);
  }
}

/** The file multer wrote; 400 when the request had none. */
export function uploadedFile(req: Request): UploadedFile {
  const file = req.file;
  if (file === undefined) {
    throw new HttpError(400, 'NO_FILE', `the request has no file; send it in the multipart field "${UPLOAD_FIELD}"`);
  }
  return { name: displayFileName(file.originalname), path: file.path, size: file.size };
}

/** The last segment of a client's file name without control or bidi characters, at most 255 characters. */
export function displayFileName(originalName: string): string {
  return stripControlCharacters(originalName).split(/[\\/]/).at(-1)?.trim().slice(-255) || 'upload';
}

/** Removes the upload's temporary file; a failure is logged, never thrown over the answer. */
export async function removeUploadedFile(req: Request, logger: Logger): Promise<void> {
  const path = req.file?.path;
  if (path === undefined) return;
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger.error({ err: e, path }, 'could not remove an upload\'s temporary file');
  }
}

/**
 * Uploads still receiving are minutes old at most (Node ends a request after 5 minutes):
 * anything older in the temporary folder was left by a process that died mid-upload.
 */
export const STALE_UPLOAD_MS = 60 * 60 * 1000;

/**
 * Removes temporary upload files left by a process that died mid-upload; returns how many.
 * Younger files may belong to another API process sharing the data directory, and stay.
 */
export async function sweepStaleUploads(tempDir: string, logger: Logger, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(tempDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  let removed = 0;
  for (const name of names.filter((n) => n.startsWith('upload-'))) {
    const path = join(tempDir, name);
    try {
      if (now - (await stat(path)).mtimeMs < STALE_UPLOAD_MS) continue;
      await unlink(path);
      removed++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger.error({ err: e, path }, 'could not remove a stale temporary upload');
    }
  }
  if (removed > 0) logger.info({ removed, tempDir }, 'removed temporary uploads left by an earlier process');
  return removed;
}
