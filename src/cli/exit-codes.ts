import { isAutograderError } from '../errors.js';

/** What the `autograder` process's exit status means. */
export const ExitCode = {
  /** Graded (whatever the score). */
  ok: 0,
  /** Something unexpected; a bug to report. */
  internal: 1,
  /** Wrong usage: bad option, unknown assignment, missing file. */
  usage: 2,
  /** The submission is not gradable (not a notebook, broken zip, ...). */
  notGradable: 3,
  /** A service the command needs (Docker, Redis, the database, the API) is unavailable. */
  platform: 4,
} as const;

export function exitCodeFor(error: unknown): number {
  if (!isAutograderError(error)) return ExitCode.internal;
  switch (error.kind) {
    case 'usage': return ExitCode.usage;
    case 'student': return ExitCode.notGradable;
    case 'platform': return ExitCode.platform;
    case 'grader': return ExitCode.internal;
  }
}
