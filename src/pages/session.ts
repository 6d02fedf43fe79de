/**
 * Browser sessions. Signing in with an API token sets `ag_session`: an HttpOnly,
 * SameSite=Strict cookie carrying that token and an expiry, HMAC-signed with the
 * server's session secret (so it cannot be altered or extended). A request with the
 * cookie and no Authorization header is authenticated exactly like one sending the token
 * as a bearer: the session middleware hands the token to the API's own `requireRole`, so
 * pages and the JSON API share one authentication and one set of role checks, and a
 * revoked token ends its sessions at once.
 *
 * State-changing requests authenticated by the cookie must carry the session's CSRF token
 * (header `X-CSRF-Token`, query `csrf`, or a form's `_csrf` field, checked by the page
 * that reads the form); SameSite=Strict is the second line of defence.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../api/http-error.js';

export const SESSION_COOKIE = 'ag_session';
export const LOGIN_CSRF_COOKIE = 'ag_login';
/** How long a session lasts after sign-in. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The session secret kept in `<dataDir>/session-secret` (created on first use, mode 0600),
 * so sessions survive a restart and every API process on the same data directory agrees.
 */
export function loadSessionSecret(dataDir: string): Buffer {
  const path = join(dataDir, 'session-secret');
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
}

export class Sessions {
  constructor(
    private readonly secret: Buffer,
    private readonly now: () => Date,
  ) {}

  /** The cookie value for a session of `token`. */
  issue(token: string): string {
    const payload = Buffer.from(JSON.stringify({ t: token, exp: this.now().getTime() + SESSION_TTL_MS })).toString('base64url');
    return `${payload}.${this.sign(`session.${payload}`)}`;
  }

  /** The token of a well-signed, unexpired session cookie; undefined otherwise. */
  tokenOf(cookie: string | undefined): string | undefined {
    if (typeof cookie !== 'string') return undefined;
    const [payload, signature, ...rest] = cookie.split('.');
    if (payload === undefined || signature === undefined || rest.length > 0) return undefined;
    if (!equal(signature, this.sign(`session.${payload}`))) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const { t, exp } = (parsed ?? {}) as { t?: unknown; exp?: unknown };
    if (typeof t !== 'string' || typeof exp !== 'number' || exp <= this.now().getTime()) return undefined;
    return t;
  }

  /** The CSRF token of a session: bound to its cookie, so it dies with it. */
  csrfFor(cookie: string): string {
    return this.sign(`csrf.${cookie}`);
  }

  /** The sign-in form's token, bound to the pre-session cookie `ag_login`. */
  loginCsrfFor(loginCookie: string): string {
    return this.sign(`login.${loginCookie}`);
  }

  checkCsrf(cookie: string, presented: unknown): boolean {
    return typeof presented === 'string' && equal(presented, this.csrfFor(cookie));
  }

  private sign(text: string): string {
    return createHmac('sha256', this.secret).update(text).digest('base64url');
  }
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What the session middleware found, for the pages. */
export interface SessionInfo {
  cookie: string;
  csrf: string;
}

export function sessionOf(res: Response): SessionInfo | undefined {
  return res.locals.session as SessionInfo | undefined;
}

/**
 * Runs before every route (needs cookie-parser before it). With no Authorization header
 * and a valid session cookie, the request carries the session's token as a bearer token
 * from here on; an unsafe request to the API must show the session's CSRF token (403
 * otherwise). Page forms are checked by the page that reads them (`_csrf`).
 */
export function sessionMiddleware(sessions: Sessions) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.headers.authorization !== undefined) return next();
    const cookie = (req.cookies as Record<string, string | undefined> | undefined)?.[SESSION_COOKIE];
    const token = sessions.tokenOf(cookie);
    if (token === undefined || cookie === undefined) return next();
    if (!SAFE_METHODS.has(req.method) && req.path.startsWith('/api/')) {
      const presented = req.get('x-csrf-token') ?? (typeof req.query.csrf === 'string' ? req.query.csrf : undefined);
      if (!sessions.checkCsrf(cookie, presented)) {
        throw new HttpError(403, 'CSRF_TOKEN_INVALID', 'this form is out of date or came from another site; reload the page and try again');
      }
    }
    req.headers.authorization = `Bearer ${token}`;
    res.locals.session = { cookie, csrf: sessions.csrfFor(cookie) } satisfies SessionInfo;
    next();
  };
}
