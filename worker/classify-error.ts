/**
 * Retry or not: the one decision the queue needs about an error. Errors cross process
 * boundaries, so this reads string fields (`kind`, `code`, `name`), never prototypes alone.
 */
import { isAutograderError } from '../src/errors.js';

/** `platform`: try again later. `permanent`: the same code on the same file fails the same way. */
export type FailureKind = 'platform' | 'permanent';

/** Socket-level failures from Node, ioredis, pg and dockerode that were not wrapped on the way up. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

export function classifyError(error: Error): FailureKind {
  if (error.name === 'UnrecoverableError') return 'permanent';
  if (isAutograderError(error)) return error.kind === 'platform' ? 'platform' : 'permanent';
  if (isNetworkError(error)) return 'platform';
  // Anything else is a bug of ours (a TypeError in a check, say): an instructor must look.
  return 'permanent';
}

function isNetworkError(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return isNetworkError((error as { cause?: unknown }).cause, depth + 1);
}
