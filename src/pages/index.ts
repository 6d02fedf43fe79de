/**
 * The pages (DESIGN.md section 6), served by the API process. `createPages` gives two
 * pieces for createApp: `beforeRoutes` (cookies, the session that authenticates pages
 * and the API alike, and the adapter that lets page forms post to the JSON API) and
 * `routes` (the pages themselves, with their own HTML error pages).
 */
import cookieParser from 'cookie-parser';
import { Router } from 'express';
import type { ApiContext } from '../api/context.js';
import { instructorPageRoutes } from './instructor-pages.js';
import { browserFormAdapter, pageErrorHandler } from './page-errors.js';
import { reportPageRoutes } from './report-page.js';
import { Sessions, loadSessionSecret, sessionMiddleware } from './session.js';
import { signInRoutes } from './sign-in.js';
import { staticAssetRoutes } from './static-assets.js';
import { studentPageRoutes } from './student-pages.js';

export interface Pages {
  beforeRoutes: Router;
  routes: Router;
}

export interface PagesOptions {
  /** Where the session secret is kept (`<dataDir>/session-secret`). */
  dataDir: string;
  /** Overrides the stored secret (tests). */
  sessionSecret?: Buffer;
}

export function createPages(ctx: ApiContext, options: PagesOptions): Pages {
  const sessions = new Sessions(options.sessionSecret ?? loadSessionSecret(options.dataDir), ctx.now);
  const beforeRoutes = Router();
  beforeRoutes.use(cookieParser());
  beforeRoutes.use(sessionMiddleware(sessions));
  beforeRoutes.use('/api', browserFormAdapter());

  const routes = Router();
  routes.use(staticAssetRoutes());
  routes.use(signInRoutes(ctx, sessions));
  routes.use(studentPageRoutes(ctx));
  routes.use(reportPageRoutes(ctx));
  routes.use(instructorPageRoutes(ctx));
  routes.use(pageErrorHandler(ctx.logger));
  return { beforeRoutes, routes };
}
