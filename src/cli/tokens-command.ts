/**
 * `autograder tokens create --role R --name N [--student ID]`: issues an API token. It
 * works on the database directly (run it where the server's DATA_DIR / DATABASE_URL
 * are), since the first instructor token cannot come from the API itself. The token is
 * printed as the last line of stdout, so scripts can take it with `tail -n 1`.
 */
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import { RoleSchema, type Role, type User } from '../store/rows.js';
import { openStore, type Store } from '../store/store.js';
import { ExitCode } from './exit-codes.js';

export interface TokensCreateOptions {
  role: string;
  name: string;
  student?: string;
}

export async function tokensCreateCommand(options: TokensCreateOptions, config: Config, logger: Logger): Promise<number> {
  const role = RoleSchema.safeParse(options.role);
  if (!role.success) {
    throw new UsageError('BAD_ROLE', `--role must be one of ${RoleSchema.options.join(', ')}, not ${JSON.stringify(options.role)}`);
  }
  const store = await openStore(config, { logger });
  try {
    const user = await userFor(store, role.data, options);
    const token = await store.createToken(user.id);
    process.stderr.write(`API token for ${user.role} "${user.name}"${user.studentId ? ` (student ${user.studentId})` : ''}, user ${user.id}; it is shown only once:\n`);
    process.stdout.write(`${token}\n`);
    return ExitCode.ok;
  } finally {
    await store.close();
  }
}

/** A student number names one person: a second token for it goes to the same user. */
async function userFor(store: Store, role: Role, options: TokensCreateOptions): Promise<User> {
  if (options.student !== undefined) {
    const existing = await store.findUserByStudentId(options.student);
    if (existing !== undefined) {
      if (existing.role !== role) {
        throw new UsageError('ROLE_MISMATCH', `student id ${options.student} belongs to a ${existing.role} ("${existing.name}"), not a ${role}`);
      }
      return existing;
    }
  }
  return store.createUser({ role, name: options.name, studentId: options.student });
}
