/**
 * API tokens as an aggregate: issue (optionally expiring), authenticate, list, revoke.
 * A token is named by its public id (the first hex digits of its hash), never by the
 * secret, so `tokens list` and `tokens revoke <id>` work without anyone holding it.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { Database } from './database.js';
import { TOKEN_ID_HEX_DIGITS } from './migrations/0002-token-ids-expiry-attempt-owner.js';
import { RoleSchema, UserRowSchema, type User } from './rows.js';
import { generateToken, hashToken, looksLikeToken } from './tokens.js';

/** `last_used_at` of a token is kept to this precision: recording every use would make every read a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function tokenIdOf(tokenHash: string): string {
  return tokenHash.slice(0, TOKEN_ID_HEX_DIGITS);
}

export interface IssuedToken {
  /** The secret: shown once, never stored. */
  token: string;
  id: string;
  expiresAt: Date | null;
}

export interface AuthenticatedToken {
  user: User;
  tokenId: string;
}

const date = z.coerce.date();
const nullableDate = z.union([z.null(), z.coerce.date()]);
const flag = z.union([z.boolean(), z.number()]).transform((v) => v === true || v === 1);

export const TokenInfoSchema = z
  .object({
    id: z.string(),
    user_id: z.string(),
    user_name: z.string(),
    role: RoleSchema,
    created_at: date,
    last_used_at: nullableDate,
    expires_at: nullableDate,
    revoked: flag,
  })
  .transform((r) => ({
    id: r.id,
    userId: r.user_id,
    userName: r.user_name,
    role: r.role,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
    revoked: r.revoked,
  }));
export type TokenInfo = z.infer<typeof TokenInfoSchema>;

export class TokenRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => Date,
  ) {}

  /** The caller has checked that the user exists. */
  async issue(userId: string, options: { expiresAt?: Date | null } = {}): Promise<IssuedToken> {
    const token = generateToken();
    const tokenHash = hashToken(token);
    const expiresAt = options.expiresAt ?? null;
    if (expiresAt !== null && expiresAt.getTime() <= this.now().getTime()) {
      throw new UsageError('BAD_EXPIRY', `a token's expiry must lie in the future, not ${expiresAt.toISOString()}`);
    }
    await this.db
      .insertInto('api_tokens')
      .values({
        token_hash: tokenHash,
        id: tokenIdOf(tokenHash),
        user_id: userId,
        created_at: this.now(),
        last_used_at: null,
        revoked: false,
        expires_at: expiresAt,
      })
      .execute();
    return { token, id: tokenIdOf(tokenHash), expiresAt };
  }

  /** The user and token id of a bearer token; undefined for unknown, malformed, revoked or expired tokens. */
  async authenticate(token: string): Promise<AuthenticatedToken | undefined> {
    if (!looksLikeToken(token)) return undefined;
    const tokenHash = hashToken(token);
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('users')
      .select(['api_tokens.last_used_at as token_last_used_at', 'api_tokens.expires_at as token_expires_at'])
      .where('api_tokens.token_hash', '=', tokenHash)
      .where('api_tokens.revoked', '=', false)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const now = this.now();
    if (row.token_expires_at !== null && new Date(row.token_expires_at).getTime() <= now.getTime()) return undefined;
    const lastUsed = row.token_last_used_at === null ? undefined : new Date(row.token_last_used_at);
    if (lastUsed === undefined || now.getTime() - lastUsed.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('token_hash', '=', tokenHash).execute();
    }
    return { user: UserRowSchema.parse(row), tokenId: tokenIdOf(tokenHash) };
  }

  /** Every token, newest first, with its user; secrets are never stored, so none are shown. */
  async list(): Promise<TokenInfo[]> {
    const rows = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id as id',
        'api_tokens.user_id as user_id',
        'users.name as user_name',
        'users.role as role',
        'api_tokens.created_at as created_at',
        'api_tokens.last_used_at as last_used_at',
        'api_tokens.expires_at as expires_at',
        'api_tokens.revoked as revoked',
      ])
      .orderBy('api_tokens.created_at', 'desc')
      .execute();
    return rows.map((r) => TokenInfoSchema.parse(r));
  }

  /** Revokes the token with this id; false when there is none. */
  async revokeById(id: string): Promise<boolean> {
    const result = await this.db.updateTable('api_tokens').set({ revoked: true }).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Revokes the token itself (the secret); false when there is none. */
  async revoke(token: string): Promise<boolean> {
    const result = await this.db.updateTable('api_tokens').set({ revoked: true }).where('token_hash', '=', hashToken(token)).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
