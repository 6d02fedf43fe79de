/**
 * Errors the references throw. reference/ may not import src/, so these carry the same
 * `{kind, code}` shape as src/errors.ts: its `isAutograderError` recognises them, and the
 * codes survive queue and process boundaries the same way.
 */
export type ReferenceErrorKind = 'platform' | 'grader' | 'usage';

export class ReferenceLibraryError extends Error {
  readonly kind: ReferenceErrorKind;
  readonly code: string;

  constructor(kind: ReferenceErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReferenceLibraryError';
    this.kind = kind;
    this.code = code;
  }
}

/**
 * A reference was handed inputs it is not defined for (wrong shape, dtype, a label out of
 * range, ...). Graders choose those inputs, so this is the grader author's to fix.
 */
export class ReferenceInputError extends ReferenceLibraryError {
  constructor(message: string) {
    super('grader', 'REFERENCE_BAD_INPUT', message);
    this.name = 'ReferenceInputError';
  }
}

/** No tensor backend could be started, or the one asked for is unknown or unavailable. */
export class TensorBackendError extends ReferenceLibraryError {
  constructor(kind: 'platform' | 'usage', code: string, message: string, options?: { cause?: unknown }) {
    super(kind, code, message, options);
    this.name = 'TensorBackendError';
  }
}
