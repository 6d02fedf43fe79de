/**
 * `autograder serve [--port N]`: the API plus an in-process worker on embedded defaults
 * (SQLite under DATA_DIR, Redis at REDIS_URL). Runs until SIGTERM / SIGINT.
 */
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import { handleShutdownSignals } from '../../worker/shutdown-signals.js';
import { ExitCode } from './exit-codes.js';
import { startGradingService } from './grading-service.js';

export interface ServeOptions {
  port?: string;
  host?: string;
  /** commander's negation of --no-worker. @defaultValue true */
  worker?: boolean;
}

export async function serveCommand(options: ServeOptions, config: Config, logger: Logger): Promise<number> {
  const port = options.port === undefined ? config.port : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('BAD_OPTION', `--port takes a port number (0 picks a free one), not ${JSON.stringify(options.port)}`);
  const service = await startGradingService({ config, logger, port, host: options.host, worker: options.worker !== false });
  const lines = [`Autograder listening on ${service.url} (data in ${service.store.location})`];
  if (service.adminTokenIsNew) {
    lines.push(
      'First start: these tokens are shown only once; keep them.',
      `  admin token:  ${service.adminToken}`,
      ...(service.remoteWorkerToken === undefined
        ? []
        : [`  worker token: ${service.remoteWorkerToken}   (other machines: API_URL=${service.url} WORKER_TOKEN=<it> autograder worker)`]),
    );
  }
  lines.push('More tokens: autograder tokens create --role student|instructor|worker --name <name>', 'Stop with Ctrl-C.');
  process.stdout.write(`${lines.join('\n')}\n`);
  const shutdown = handleShutdownSignals(service, logger);
  await shutdown.stopped;
  shutdown.dispose();
  return ExitCode.ok;
}
