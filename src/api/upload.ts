/**
 * Reading one uploaded file: multipart, field `file`, held in memory under a size limit,
 * then checked by the submission unpacker and the notebook parser before anything is
 * stored, so a bad upload changes nothing.
 */
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { parseNotebook } from '../notebook/parse.js';
import { formatBytes, type UnpackLimitsInput } from '../submission/limits.js';
import { unpackUpload } from '../submission/unpack.js';
import { HttpError } from './http-error.js';

export const UPLOAD_FIELD = 'file';

export interface UploadedFile {
  /** The client's file name, folders removed (display only, never a path on disk). */
  name: string;
  bytes: Buffer;
}

/** The multipart parser; refuses everything but one file in the field `file`. */
export function uploadParser(maxUploadBytes: number): RequestHandler {
  const parse = multer({
    storage: multer.memoryStorage(),
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

/** The file multer kept; 400 when the request had none. */
export function uploadedFile(req: Request): UploadedFile {
  const file = req.file;
  if (file === undefined) {
    throw new HttpError(400, 'NO_FILE', `the request has no file; send it in the multipart field "${UPLOAD_FIELD}"`);
  }
  const name = file.originalname.split(/[\\/]/).at(-1)?.trim().slice(-255) || 'upload';
  return { name, bytes: file.buffer };
}

/**
 * Unpacks and parses the upload exactly as a worker will, so what is accepted can be
 * graded. Throws the unpacker's and parser's NotGradableErrors (413/415/422 with what to fix).
 */
export async function validateUpload(file: UploadedFile, limits: UnpackLimitsInput): Promise<void> {
  const unpacked = await unpackUpload(file.name, file.bytes, limits);
  parseNotebook(unpacked.notebook.bytes, unpacked.notebook.name);
}
