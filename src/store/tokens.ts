/**
 * API tokens: `ag_` + 32 random bytes in base64url. Only the sha256 of a token is stored.
 * A fast unsalted hash is enough here (unlike passwords): a 256-bit random token cannot
 * be guessed, so a leaked hash table gives nothing to brute-force.
 */
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'ag_';
const TOKEN_PATTERN = /^ag_[A-Za-z0-9_-]{43}$/;

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Cheap shape check, so obviously wrong bearer strings never reach the database. */
export function looksLikeToken(candidate: string): boolean {
  return TOKEN_PATTERN.test(candidate);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
