/**
 * Every error the API answers is `{ "error": CODE, "detail": what to do }` with a status.
 * `HttpError` is thrown by the routes; `toHttpError` maps the typed errors of the rest of
 * the service (src/errors.ts) onto statuses, and never passes internals to the client.
 */
import { isAutograderError } from '../errors.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    /** A stable, machine-readable code (`UNKNOWN_ASSIGNMENT`, `BAD_REQUEST`, ...). */
    readonly code: string,
    /** What went wrong and what to do about it; shown to the person who sent the request. */
    readonly detail: string,
    /** More fields of the error body (e.g. `dueAt`), and headers to set. */
    readonly extra: { body?: Record<string, unknown>; headers?: Record<string, string> } = {},
    options?: { cause?: unknown },
  ) {
    super(detail, options);
    this.name = 'HttpError';
  }
}

/** Student-error codes of the unpacker and the notebook parser whose status is not 422. */
const STUDENT_ERROR_STATUS: Readonly<Record<string, number>> = {
  TOO_LARGE: 413,
  UNSUPPORTED_TYPE: 415,
};

/** What clients are told about a platform failure; the full error goes to the log only. */
const PLATFORM_DETAIL: ReadonlyArray<[RegExp, string]> = [
  [/^(QUEUE|REDIS)_/, 'the grading queue (Redis) is unavailable; try again in a minute'],
  [/^(DATABASE|MIGRATION)_/, 'the database is unavailable; try again in a minute'],
  [/^BLOB_/, 'file storage is unavailable; try again in a minute'],
];

/** The HTTP face of anything thrown inside a route. `internal` errors need logging with their stack. */
export function toHttpError(e: unknown): { error: HttpError; internal: boolean } {
  if (e instanceof HttpError) return { error: e, internal: false };
  const bodyParser = bodyParserError(e);
  if (bodyParser) return { error: bodyParser, internal: false };
  if (isAutograderError(e)) {
    switch (e.kind) {
      case 'student':
        return { error: new HttpError(STUDENT_ERROR_STATUS[e.code] ?? 422, e.code, e.message, {}, { cause: e }), internal: false };
      case 'usage':
        return { error: new HttpError(usageStatus(e.code), e.code, e.message, {}, { cause: e }), internal: false };
      case 'platform': {
        const detail = PLATFORM_DETAIL.find(([pattern]) => pattern.test(e.code))?.[1] ?? 'a service the grader depends on is unavailable; try again in a minute';
        return { error: new HttpError(503, e.code, detail, { headers: { 'Retry-After': '30' } }, { cause: e }), internal: true };
      }
      case 'grader':
        return {
          error: new HttpError(500, e.code, 'the grader of this assignment is misconfigured; the instructor has to fix it (the error is logged)', {}, { cause: e }),
          internal: true,
        };
    }
  }
  return { error: new HttpError(500, 'INTERNAL', 'an unexpected error occurred; it has been logged', {}, { cause: e }), internal: true };
}

function usageStatus(code: string): number {
  if (code.endsWith('_NOT_FOUND') || code === 'UNKNOWN_ASSIGNMENT') return 404;
  if (code.endsWith('_TAKEN')) return 409;
  if (code === 'BAD_INPUT' || code === 'BAD_REPORT' || code === 'REPORT_MISMATCH') return 422;
  return 400;
}

/**
 * Errors of Express' own body parsers. Most carry `status` and `type`; a body that fails
 * to decompress (`Content-Encoding: gzip` over bytes that are not gzip) is zlib's error
 * with only `status: 400` and `expose: true` added, and is the client's fault as well.
 */
function bodyParserError(e: unknown): HttpError | undefined {
  if (!(e instanceof Error)) return undefined;
  const { status, type, expose, code } = e as { status?: unknown; type?: unknown; expose?: unknown; code?: unknown };
  if (typeof status !== 'number') return undefined;
  if (typeof type !== 'string') {
    if (expose !== true || status < 400 || status >= 500) return undefined;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      return new HttpError(400, 'BAD_ENCODING', `the request body could not be decompressed as its Content-Encoding says (${e.message}); send it uncompressed`);
    }
    return new HttpError(status, 'BAD_REQUEST', e.message);
  }
  switch (type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'BAD_JSON', `the request body is not valid JSON: ${e.message}`);
    case 'entity.too.large':
      return new HttpError(413, 'BODY_TOO_LARGE', `the request body is larger than the ${String((e as { limit?: unknown }).limit)} bytes accepted`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'UNSUPPORTED_ENCODING', `${e.message}; send the body uncompressed (or gzip, deflate, br) as UTF-8`);
    default:
      return status >= 400 && status < 500 ? new HttpError(status, 'BAD_REQUEST', e.message) : undefined;
  }
}
