/**
 * Bearer-token authentication and role checks. Tokens are looked up by their hash in
 * the store; the plaintext never leaves this request.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Role, User } from '../store/rows.js';
import type { AuthenticatedToken } from '../store/token-repository.js';
import { HttpError } from './http-error.js';

/** The store call authentication needs (`Store` fits). */
export interface TokenStore {
  authenticateToken(token: string): Promise<AuthenticatedToken | undefined>;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Answers 401 without a valid token and 403 when the token's role is not among `roles`;
 * otherwise makes the user available to the route through `currentUser(res)`.
 */
export function requireRole(store: TokenStore, roles: readonly Role[]): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (header === undefined || header.trim() === '') {
      throw new HttpError(401, 'UNAUTHENTICATED', 'send your API token as "Authorization: Bearer <token>"', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    const token = BEARER.exec(header)?.[1];
    const authenticated = token === undefined ? undefined : await store.authenticateToken(token);
    if (authenticated === undefined) {
      throw new HttpError(401, 'INVALID_TOKEN', 'the API token is unknown, revoked or expired; ask your instructor for a new one', {
        headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
      });
    }
    const { user, tokenId } = authenticated;
    if (!roles.includes(user.role)) {
      throw new HttpError(403, 'FORBIDDEN', `this needs a token with role ${roles.join(' or ')}; yours has role ${user.role}`);
    }
    res.locals.user = user;
    res.locals.tokenId = tokenId;
    next();
  };
}

/** The user `requireRole` let through. */
export function currentUser(res: Response): User {
  const user = res.locals.user as User | undefined;
  // A route registered without requireRole is a programming error, not a client's.
  if (user === undefined) throw new Error('currentUser() called on a route without requireRole()');
  return user;
}

/** The public id of the token `requireRole` let through (workers are tied to attempts by it). */
export function currentTokenId(res: Response): string {
  const id = res.locals.tokenId as string | undefined;
  if (id === undefined) throw new Error('currentTokenId() called on a route without requireRole()');
  return id;
}

export const STAFF_ROLES: readonly Role[] = ['instructor', 'admin'];
export const UPLOAD_ROLES: readonly Role[] = ['student', 'instructor', 'admin'];
export const READER_ROLES: readonly Role[] = ['student', 'instructor', 'admin', 'lms'];
export const WORKER_ROLES: readonly Role[] = ['worker'];

export function isStaff(user: User): boolean {
  return STAFF_ROLES.includes(user.role);
}
