/**
 * Signing in with an API token (the one `autograder tokens create` printed) and out.
 * The sign-in form is protected against login CSRF by a token bound to a pre-session
 * cookie; the session cookie is HttpOnly, SameSite=Strict, and Secure over HTTPS.
 */
import { randomBytes } from 'node:crypto';
import { Router, urlencoded, type Request, type Response } from 'express';
import type { ApiContext } from '../api/context.js';
import { HttpError } from '../api/http-error.js';
import { html } from './html.js';
import { renderPage, setPageHeaders } from './layout.js';
import { PAGE_ROLES } from './page-auth.js';
import { LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_TTL_MS, type Sessions } from './session.js';

function cookieOptions(req: Request, maxAge: number) {
  return { httpOnly: true, sameSite: 'strict' as const, secure: req.secure, path: '/', maxAge };
}

function signInPage(req: Request, res: Response, sessions: Sessions, status: number, problem?: string): void {
  let loginCookie = (req.cookies as Record<string, string | undefined>)[LOGIN_CSRF_COOKIE];
  if (typeof loginCookie !== 'string' || !/^[A-Za-z0-9_-]{20,64}$/.test(loginCookie)) {
    loginCookie = randomBytes(24).toString('base64url');
    res.cookie(LOGIN_CSRF_COOKIE, loginCookie, cookieOptions(req, 60 * 60 * 1000));
  }
  setPageHeaders(res);
  res
    .status(status)
    .type('html')
    .send(
      renderPage({
        title: 'Sign in',
        body: html`${problem === undefined ? '' : html`<p class="notice error" role="alert">${problem}</p>`}
<form method="post" action="/sign-in" class="sign-in">
  <input type="hidden" name="_csrf" value="${sessions.loginCsrfFor(loginCookie)}">
  <p><label for="token">Your access token</label><br>
  <input type="password" id="token" name="token" autocomplete="current-password" required></p>
  <p class="muted">Your instructor gave you this token. It stays in a cookie on this browser only until you sign out (at most 12 hours).</p>
  <button type="submit">Sign in</button>
</form>`,
      }),
    );
}

export function signInRoutes(ctx: ApiContext, sessions: Sessions): Router {
  const router = Router();
  const form = urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  router.get('/sign-in', (req: Request, res: Response) => signInPage(req, res, sessions, 200));

  router.post('/sign-in', form, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const loginCookie = (req.cookies as Record<string, string | undefined>)[LOGIN_CSRF_COOKIE];
    if (typeof loginCookie !== 'string' || body._csrf !== sessions.loginCsrfFor(loginCookie)) {
      signInPage(req, res, sessions, 403, 'The sign-in form was out of date; it has been reloaded, please sign in again.');
      return;
    }
    const token = typeof body.token === 'string' ? body.token.trim() : '';
    const user = token === '' ? undefined : await ctx.store.authenticate(token);
    if (user === undefined || !PAGE_ROLES.includes(user.role)) {
      signInPage(req, res, sessions, 401, 'That token is unknown, revoked or not for people; check it or ask your instructor for a new one.');
      return;
    }
    res.clearCookie(LOGIN_CSRF_COOKIE, { path: '/' });
    res.cookie(SESSION_COOKIE, sessions.issue(token), cookieOptions(req, SESSION_TTL_MS));
    ctx.logger.info({ userId: user.id, role: user.role }, 'signed in to the pages');
    res.redirect(303, '/');
  });

  router.post('/sign-out', form, (req: Request, res: Response) => {
    const cookie = (req.cookies as Record<string, string | undefined>)[SESSION_COOKIE];
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof cookie === 'string' && !sessions.checkCsrf(cookie, body._csrf)) {
      throw new HttpError(403, 'CSRF_TOKEN_INVALID', 'this form is out of date or came from another site; reload the page and try again');
    }
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/sign-in');
  });

  return router;
}
