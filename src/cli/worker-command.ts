/**
 * `autograder worker`: grades jobs from the queue until SIGTERM / SIGINT. Needs only
 * REDIS_URL, API_URL and WORKER_TOKEN: no database credentials (DESIGN.md principle 5).
 */
import type { Config } from '../config.js';
import { coerceError, isAutograderError } from '../errors.js';
import type { Logger } from '../logger.js';
import { HttpWorkerApi } from '../../worker/api-client.js';
import { startWorkerService } from '../../worker/service.js';
import { handleShutdownSignals } from '../../worker/shutdown-signals.js';
import { ExitCode } from './exit-codes.js';

export async function workerCommand(config: Config, logger: Logger): Promise<number> {
  const api = new HttpWorkerApi({ apiUrl: config.apiUrl, workerToken: config.workerToken });
  try {
    await api.checkToken();
  } catch (e) {
    // A refused token will not heal by itself; an API that is not up yet may.
    if (isAutograderError(e) && e.code === 'WORKER_TOKEN_REJECTED') throw e;
    logger.warn({ err: coerceError(e).message }, 'the API does not answer yet; starting anyway, jobs are retried until it does');
  }
  const service = await startWorkerService({ config, logger, api });
  const shutdown = handleShutdownSignals(service, logger);
  await shutdown.stopped;
  shutdown.dispose();
  return ExitCode.ok;
}
