/**
 * LTI 1.3 Assignment and Grade Services, the score part: an OAuth2 client-credentials
 * token got with a JWT client assertion signed by our key (RFC 7523), cached until shortly
 * before it expires, then `POST <lineitem>/scores` of an
 * `application/vnd.ims.lis.v1.score+json` body.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { LtiSettings } from '../store/lms-repository.js';
import { DeliveryError, answerExcerpt, isRetryableStatus, sendRequest } from './delivery-error.js';
import { SIGNING_ALG, type SigningKeys } from './signing-keys.js';

export const SCORE_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
export const SCORE_MEDIA_TYPE = 'application/vnd.ims.lis.v1.score+json';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** A token is renewed this long before the platform said it expires. */
const EXPIRY_MARGIN_MS = 30_000;

/** The Score of AGS 2.0 as we send it. */
export const AgsScoreSchema = z.object({
  userId: z.string().min(1),
  scoreGiven: z.number().nonnegative().optional(),
  scoreMaximum: z.number().positive().optional(),
  comment: z.string().max(1000).optional(),
  timestamp: z.iso.datetime({ offset: true }),
  activityProgress: z.enum(['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed']),
  gradingProgress: z.enum(['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady']),
});
export type AgsScore = z.infer<typeof AgsScoreSchema>;

const TokenAnswerSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().optional(),
});

/** `<lineitem>/scores`, the line item's query string kept after the path. */
export function scoresUrl(lineItem: string): string {
  const url = new URL(lineItem);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/scores`;
  return url.toString();
}

export interface AgsClientOptions {
  keys: SigningKeys;
  /** @defaultValue 10000 */
  timeoutMs?: number;
  now?: () => Date;
}

export class AgsClient {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<string>>();
  private readonly timeoutMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: AgsClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? (() => new Date());
  }

  /** Sends one score; throws DeliveryError (retryable or not). */
  async postScore(lti: LtiSettings, lineItem: string, score: AgsScore): Promise<{ httpStatus: number }> {
    const body = JSON.stringify(AgsScoreSchema.parse(score));
    const token = await this.token(lti);
    const response = await sendRequest(
      scoresUrl(lineItem),
      { method: 'POST', headers: { 'content-type': SCORE_MEDIA_TYPE, authorization: `Bearer ${token}` }, body },
      this.timeoutMs,
      'posting the score',
    );
    if (response.ok) {
      await response.body?.cancel();
      return { httpStatus: response.status };
    }
    const excerpt = await answerExcerpt(response);
    if (response.status === 401) {
      // The platform may revoke a token before its expiry: fetch a new one on the retry.
      this.tokens.delete(cacheKey(lti));
      throw new DeliveryError(`the platform refused our access token (401) ${excerpt}`.trim(), true, 401);
    }
    throw new DeliveryError(`the platform answered ${response.status} to the score ${excerpt}`.trim(), isRetryableStatus(response.status), response.status);
  }

  private async token(lti: LtiSettings): Promise<string> {
    const key = cacheKey(lti);
    const cached = this.tokens.get(key);
    if (cached !== undefined && cached.expiresAt > this.now().getTime()) return cached.token;
    // One token request at a time per platform: concurrent deliveries wait for it instead of each asking.
    let pending = this.pending.get(key);
    if (pending === undefined) {
      pending = this.requestToken(lti, key).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async requestToken(lti: LtiSettings, key: string): Promise<string> {
    const { kid, privateKey } = await this.options.keys.key();
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: 'JWT' })
      .setIssuer(lti.clientId)
      .setSubject(lti.clientId)
      .setAudience(lti.audience ?? lti.tokenUrl)
      .setIssuedAt(Math.floor(this.now().getTime() / 1000))
      .setExpirationTime(Math.floor(this.now().getTime() / 1000) + 300)
      .setJti(randomUUID())
      .sign(privateKey);
    const response = await sendRequest(
      lti.tokenUrl,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope: SCORE_SCOPE }).toString(),
      },
      this.timeoutMs,
      'getting an access token',
    );
    if (!response.ok) {
      const excerpt = await answerExcerpt(response);
      throw new DeliveryError(`the token endpoint answered ${response.status} ${excerpt}`.trim(), isRetryableStatus(response.status), response.status);
    }
    const parsed = TokenAnswerSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new DeliveryError('the token endpoint answered without an access_token', false, response.status);
    const lifetimeMs = (parsed.data.expires_in ?? 3600) * 1000;
    this.tokens.set(key, { token: parsed.data.access_token, expiresAt: this.now().getTime() + Math.max(0, lifetimeMs - EXPIRY_MARGIN_MS) });
    return parsed.data.access_token;
  }
}

function cacheKey(lti: LtiSettings): string {
  return `${lti.tokenUrl} ${lti.clientId}`;
}
