import { pino, type Logger } from 'pino';
import { logLevelFrom } from './config.js';

/**
 * The root logger writes JSON lines to stderr, so `grade --json` keeps stdout for the report.
 * Silent under vitest unless LOG_LEVEL says otherwise.
 */
export function createLogger(level?: string): Logger {
  // A test run is quiet unless LOG_LEVEL asks for logs.
  const quiet = process.env.VITEST !== undefined && process.env.LOG_LEVEL === undefined;
  const resolved = level ?? (quiet ? 'silent' : logLevelFrom());
  return pino({ level: resolved, base: undefined }, pino.destination(2));
}

export const rootLogger: Logger = createLogger();
export type { Logger };
