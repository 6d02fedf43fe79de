/**
 * Errors on pages, and answers of the JSON API to a browser form, as HTML pages: the same
 * status and message as the API's JSON, with a way back.
 */
import type { NextFunction, Request, Response } from 'express';
import { toHttpError } from '../api/http-error.js';
import type { Logger } from '../logger.js';
import { html } from './html.js';
import { renderPage, setPageHeaders } from './layout.js';
import { sessionOf } from './session.js';

export function sendErrorPage(res: Response, status: number, detail: string): void {
  setPageHeaders(res);
  res
    .status(status)
    .type('html')
    .send(
      renderPage({
        title: status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'Something went wrong',
        body: html`<p class="notice error" data-error-status="${status}">${detail}</p><p><a href="/">Back to the start page</a></p>`,
      }),
    );
}

/** The pages router's error handler (four parameters: Express knows it by that). */
export function pageErrorHandler(logger: Logger) {
  return (thrown: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { error, internal } = toHttpError(thrown);
    if (internal) logger.error({ err: thrown, path: req.path, requestId: res.locals.requestId }, 'page failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendErrorPage(res, error.status, internal ? `${error.detail} (request ${String(res.locals.requestId)})` : error.detail);
  };
}

/**
 * A form in a page posts straight to the JSON API (upload, regrade), so pages and API
 * share one path for each action. When such a request came from a browser session and
 * asks for HTML, its JSON answer becomes a 303 to the submission's page, or an error page.
 */
export function browserFormAdapter() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || sessionOf(res) === undefined || req.accepts(['json', 'html']) !== 'html') return next();
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const b = (body ?? {}) as { id?: unknown; detail?: unknown };
      if (res.statusCode < 300 && typeof b.id === 'string') {
        res.redirect(303, `/submissions/${encodeURIComponent(b.id)}`);
        return res;
      }
      if (res.statusCode >= 400) {
        sendErrorPage(res, res.statusCode, typeof b.detail === 'string' ? b.detail : 'the request was refused');
        return res;
      }
      return json(body);
    };
    next();
  };
}
