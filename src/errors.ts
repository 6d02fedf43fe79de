/**
 * The error taxonomy (STYLE.md practice 4). Every error carries a string `code`
 * because errors cross process and queue boundaries, where prototypes are lost.
 *
 * - platform: Redis, Docker, the database or the filesystem failed; retry later.
 * - grader:   our own assignment definition or reference is wrong; an instructor must fix it.
 * - student:  the submission cannot be graded as it is; the message says what to fix.
 * - usage:    the command line or request was wrong.
 */
export type ErrorKind = 'platform' | 'grader' | 'student' | 'usage';

export class AutograderError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;

  constructor(kind: ErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AutograderError';
    this.kind = kind;
    this.code = code;
  }
}

/** A submission we cannot read: the report says `gradable: false` with this message. */
export class NotGradableError extends AutograderError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('student', code, message, options);
    this.name = 'NotGradableError';
  }
}

export class UsageError extends AutograderError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('usage', code, message, options);
    this.name = 'UsageError';
  }
}

export class PlatformError extends AutograderError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('platform', code, message, options);
    this.name = 'PlatformError';
  }
}

export class GraderError extends AutograderError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super('grader', code, message, options);
    this.name = 'GraderError';
  }
}

/** Turns whatever was thrown (a string, an object, an Error) into an Error. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}

export function isAutograderError(e: unknown): e is AutograderError {
  return e instanceof Error && typeof (e as Partial<AutograderError>).kind === 'string' && typeof (e as Partial<AutograderError>).code === 'string';
}
