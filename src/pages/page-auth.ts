/**
 * Who is looking at a page. The session middleware has already turned a session cookie
 * into a bearer token; here it is authenticated like any API request. Pages send a
 * signed-out visitor to the sign-in page instead of answering 401.
 */
import type { NextFunction, Request, Response } from 'express';
import { isStaff } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { HttpError } from '../api/http-error.js';
import type { Role, User } from '../store/rows.js';
import { sessionOf } from './session.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
export const PAGE_ROLES: readonly Role[] = ['student', 'instructor', 'admin'];

export async function pageUserOf(ctx: ApiContext, req: Request): Promise<User | undefined> {
  const token = BEARER.exec(req.get('authorization') ?? '')?.[1];
  if (token === undefined) return undefined;
  const user = await ctx.store.authenticate(token);
  return user !== undefined && PAGE_ROLES.includes(user.role) ? user : undefined;
}

export interface PageViewer {
  user: User;
  /** The session's CSRF token ('' for a bearer-token request, which needs none). */
  csrf: string;
}

export function viewerOf(res: Response): PageViewer {
  const viewer = res.locals.pageViewer as PageViewer | undefined;
  if (viewer === undefined) throw new Error('viewerOf() called on a page without requirePageUser()');
  return viewer;
}

/** Redirects to sign-in without a user; 403 for a role not in `roles`. */
export function requirePageUser(ctx: ApiContext, roles: 'any' | 'staff' = 'any') {
  return async (req: Request, res: Response, next: NextFunction) => {
    const user = await pageUserOf(ctx, req);
    if (user === undefined) {
      res.redirect(303, '/sign-in');
      return;
    }
    if (roles === 'staff' && !isStaff(user)) {
      throw new HttpError(403, 'FORBIDDEN', 'this page is for instructors; sign in with an instructor token');
    }
    res.locals.pageViewer = { user, csrf: sessionOf(res)?.csrf ?? '' } satisfies PageViewer;
    next();
  };
}
