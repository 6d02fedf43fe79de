/**
 * `autograder tokens create --role R --name N [--student ID] [--expires-in 30d]`: issues an
 * API token. `tokens list` shows every token by its public id; `tokens revoke <id>` ends
 * one. They work on the database directly (run them where the server's DATA_DIR /
 * DATABASE_URL are), since the first instructor token cannot come from the API itself.
 * A new token is printed as the last line of stdout, so scripts can take it with `tail -n 1`.
 */
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import { RoleSchema, type Role, type User } from '../store/rows.js';
import { openStore, type Store } from '../store/store.js';
import type { TokenInfo } from '../store/token-repository.js';
import { parseDuration } from './duration.js';
import { ExitCode } from './exit-codes.js';
import { writeOut, writeErr } from './terminal-output.js';

export interface TokensCreateOptions {
  role: string;
  name: string;
  student?: string;
  /** e.g. `30d`; absent: the token never expires. */
  expiresIn?: string;
}

export async function tokensCreateCommand(options: TokensCreateOptions, config: Config, logger: Logger): Promise<number> {
  const role = RoleSchema.safeParse(options.role);
  if (!role.success) {
    throw new UsageError('BAD_ROLE', `--role must be one of ${RoleSchema.options.join(', ')}, not ${JSON.stringify(options.role)}`);
  }
  const lifetimeMs = options.expiresIn === undefined ? undefined : parseDuration(options.expiresIn, '--expires-in');
  const store = await openStore(config, { logger });
  try {
    const user = await userFor(store, role.data, options);
    const expiresAt = lifetimeMs === undefined ? null : new Date(Date.now() + lifetimeMs);
    const { token, id } = await store.issueToken(user.id, { expiresAt });
    const expiry = expiresAt === null ? 'never expires' : `expires ${expiresAt.toISOString()}`;
    writeErr(
      `API token ${id} for ${user.role} "${user.name}"${user.studentId ? ` (student ${user.studentId})` : ''}, user ${user.id}; it ${expiry} and is shown only once:\n`,
    );
    writeOut(`${token}\n`);
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

export async function tokensListCommand(options: { json?: boolean }, config: Config, logger: Logger): Promise<number> {
  const store = await openStore(config, { logger });
  try {
    const tokens = await store.tokens.list();
    if (options.json) {
      writeOut(`${JSON.stringify(tokens, null, 2)}\n`);
      return ExitCode.ok;
    }
    const now = new Date();
    writeOut(`${['ID'.padEnd(16), 'ROLE'.padEnd(10), 'STATE'.padEnd(8), 'CREATED'.padEnd(16), 'LAST USED'.padEnd(16), 'EXPIRES'.padEnd(16), 'USER'].join('  ')}\n`);
    for (const t of tokens) {
      writeOut(
        `${[t.id.padEnd(16), t.role.padEnd(10), stateOf(t, now).padEnd(8), minute(t.createdAt), minute(t.lastUsedAt), minute(t.expiresAt), printable(t.userName)].join('  ')}\n`,
      );
    }
    return ExitCode.ok;
  } finally {
    await store.close();
  }
}

export async function tokensRevokeCommand(id: string, config: Config, logger: Logger): Promise<number> {
  if (!/^[0-9a-f]{16}$/.test(id)) {
    throw new UsageError('BAD_TOKEN_ID', `a token id is 16 hex digits as \`autograder tokens list\` shows them, not ${JSON.stringify(id)}`);
  }
  const store = await openStore(config, { logger });
  try {
    if (!(await store.tokens.revokeById(id))) {
      throw new UsageError('TOKEN_NOT_FOUND', `there is no token ${id}; \`autograder tokens list\` shows the ids`);
    }
    writeErr(`token ${id} revoked; requests with it are refused from now on\n`);
    return ExitCode.ok;
  } finally {
    await store.close();
  }
}

function stateOf(token: TokenInfo, now: Date): string {
  if (token.revoked) return 'revoked';
  if (token.expiresAt !== null && token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

function minute(date: Date | null): string {
  return (date === null ? '-' : `${date.toISOString().slice(0, 16).replace('T', ' ')}`).padEnd(16);
}

/** User names come from whoever created the token: never let them drive the terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
