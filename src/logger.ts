import { pino, type Logger } from 'pino';

/**
 * The root logger writes JSON lines to stderr, so `grade --json` keeps stdout for the report.
 * Silent under vitest unless LOG_LEVEL says otherwise.
 */
export function createLogger(level?: string): Logger {
  const resolved = level ?? process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  return pino({ level: resolved, base: undefined }, pino.destination(2));
}

export const rootLogger: Logger = createLogger();
export type { Logger };
