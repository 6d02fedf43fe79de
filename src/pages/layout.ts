/**
 * The page shell and the headers every page is sent with. Styles and the one script are
 * files we serve (static-assets.ts); the CSP allows nothing else: no inline script, no
 * inline style, no other origin. Images only from us or `data:` (notebook plots).
 */
import type { Response } from 'express';
import { formatPoints } from '../grading/score.js';
import type { User } from '../store/rows.js';
import { html, type Html } from './html.js';
import { PAGES_CSS_PATH, PAGES_JS_PATH } from './static-assets.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function setPageHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // CSRF tokens ride in form actions' query strings; no page's URL goes to another site.
    'Referrer-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
}

export interface PageOptions {
  title: string;
  user?: User;
  /** The session's CSRF token: the sign-out form needs it. */
  csrf?: string;
  body: Html;
}

export function renderPage(options: PageOptions): string {
  const { user } = options;
  const staff = user !== undefined && (user.role === 'instructor' || user.role === 'admin');
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Autograder</title>
<link rel="stylesheet" href="${PAGES_CSS_PATH}">
<script src="${PAGES_JS_PATH}" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/">Autograder</a>
  ${user === undefined
    ? html`<a href="/sign-in">Sign in</a>`
    : html`<nav>${staff ? html`<a href="/instructor">Class overview</a>` : html`<a href="/">My assignments</a>`}</nav>
  <form method="post" action="/sign-out" class="sign-out">
    <input type="hidden" name="_csrf" value="${options.csrf ?? ''}">
    <span class="who">${user.name} (${user.role})</span>
    <button type="submit">Sign out</button>
  </form>`}
</header>
<main>
<h1>${options.title}</h1>
${options.body}
</main>
</body>
</html>
`.value;
}

export function formatDate(date: Date | null | undefined): string {
  if (date === null || date === undefined) return '—';
  return date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

export function formatScore(score: number | null | undefined, max: number | null | undefined): string {
  if (score === null || score === undefined) return '—';
  return `${formatPoints(score)} / ${formatPoints(max ?? 0)}`;
}
