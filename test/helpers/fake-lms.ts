/**
 * A small LMS of our own on loopback, for the LMS tests and bench/passback:
 * - OAuth2 token endpoint (client credentials): checks the JWT client assertion against the
 *   grader's JWKS (fetched over HTTP like a real platform), its iss/sub/aud and a fresh jti;
 * - AGS scores endpoint `/lineitems/<id>/scores`: checks the bearer token, the media type and
 *   the Score JSON, keeps scores whose timestamp is after the last one for (line item, user),
 *   and sets aside the others (a platform ignores them) as `stale`;
 * - a score webhook receiver checking the signature, keeping repeats of an Idempotency-Key apart;
 * - files to serve for `file_url`, and redirects;
 * - failure on demand: the next N requests, or a share of them at random, answer 429/500
 *   before anything is recorded;
 * - a record of every request.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { z } from 'zod';
import { signatureMatches } from '../../src/lms/signature.js';

export const FakeScoreSchema = z
  .object({
    userId: z.string().min(1),
    scoreGiven: z.number().nonnegative().optional(),
    scoreMaximum: z.number().positive().optional(),
    comment: z.string().optional(),
    timestamp: z.iso.datetime({ offset: true }),
    activityProgress: z.enum(['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed']),
    gradingProgress: z.enum(['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady']),
  })
  .strict()
  .refine((s) => s.scoreGiven === undefined || s.scoreMaximum !== undefined, 'scoreMaximum is required with scoreGiven');
export type FakeScore = z.infer<typeof FakeScoreSchema>;

export interface ReceivedScore {
  lineItem: string;
  score: FakeScore;
}

export interface ReceivedWebhook {
  body: Record<string, unknown>;
  idempotencyKey: string | undefined;
}

export interface FakeLmsOptions {
  clientId?: string;
  /** Where our JWKS is; a function because the API may start after the LMS. */
  jwksUrl: () => string;
  /** The secret score webhooks are signed with (the integration's). */
  webhookSecret?: () => string;
  /** Lifetime of issued tokens. @defaultValue 3600 (s) */
  tokenLifetimeS?: number;
  /** Seed of the random failures. @defaultValue 1 */
  seed?: number;
}

export interface FakeLms {
  readonly url: string;
  /** `127.0.0.1:<port>`, for allow-lists. */
  readonly host: string;
  readonly clientId: string;
  readonly tokenUrl: string;
  readonly webhookUrl: string;
  lineItemUrl(id: string): string;
  readonly scores: ReceivedScore[];
  readonly stale: ReceivedScore[];
  readonly webhooks: ReceivedWebhook[];
  readonly webhookRepeats: ReceivedWebhook[];
  readonly requests: Array<{ method: string; path: string; status: number }>;
  /** Problems with what we were sent (bad assertion, bad Score JSON, ...): each also answered 4xx. */
  readonly problems: string[];
  tokensIssued: number;
  /** The next `count` requests to the token, scores and webhook endpoints answer `status`. */
  failNext(count: number, status: 429 | 500 | 503): void;
  /** From now on, this share of those requests answers `status` (0 stops it). */
  failRate(share: number, status?: 429 | 500 | 503): void;
  serveFile(path: string, bytes: Uint8Array): void;
  redirect(path: string, to: string): void;
  close(): Promise<void>;
}

export async function startFakeLms(options: FakeLmsOptions): Promise<FakeLms> {
  const clientId = options.clientId ?? 'autograder-tool';
  const tokens = new Map<string, number>();
  const seenJti = new Set<string>();
  const lastTimestamp = new Map<string, number>();
  const files = new Map<string, Uint8Array>();
  const redirects = new Map<string, string>();
  const seenKeys = new Set<string>();
  let failCount = 0;
  let failStatus = 500;
  let rate = 0;
  let rateStatus = 500;
  let rng = options.seed ?? 1;
  const random = () => {
    // mulberry32: a seeded generator, so a bench run fails the same requests each time.
    rng = (rng + 0x6d2b79f5) | 0;
    let t = rng;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  const server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      lms.problems.push(`handler error: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, { error: 'internal' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    lms.requests.push({ method: res.req.method ?? '', path: res.req.url ?? '', status });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, status: number, problem: string) => {
    lms.problems.push(problem);
    send(res, status, { error: problem });
  };
  const injectedFailure = (): number | undefined => {
    if (failCount > 0) {
      failCount--;
      return failStatus;
    }
    if (rate > 0 && random() < rate) return rateStatus;
    return undefined;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', url).pathname;
    const body = await readBody(req);

    if (req.method === 'GET') {
      const target = redirects.get(path);
      if (target !== undefined) {
        lms.requests.push({ method: 'GET', path, status: 302 });
        res.writeHead(302, { location: target }).end();
        return;
      }
      const file = files.get(path);
      if (file === undefined) return send(res, 404, { error: 'no such file' });
      lms.requests.push({ method: 'GET', path, status: 200 });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.byteLength) }).end(file);
      return;
    }

    const failure = injectedFailure();
    if (failure !== undefined) return send(res, failure, { error: 'injected failure' });

    if (path === '/token') {
      const form = new URLSearchParams(body.toString('utf8'));
      if (form.get('grant_type') !== 'client_credentials') return refuse(res, 400, 'grant_type is not client_credentials');
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return refuse(res, 400, 'bad client_assertion_type');
      if (!(form.get('scope') ?? '').split(' ').includes('https://purl.imsglobal.org/spec/lti-ags/scope/score')) return refuse(res, 400, 'score scope not asked for');
      jwks ??= createRemoteJWKSet(new URL(options.jwksUrl()));
      try {
        const { payload } = await jwtVerify(form.get('client_assertion') ?? '', jwks, { issuer: clientId, subject: clientId, audience: lms.tokenUrl, maxTokenAge: '10m' });
        if (typeof payload.jti !== 'string' || seenJti.has(payload.jti)) return refuse(res, 400, 'client assertion jti missing or reused');
        seenJti.add(payload.jti);
      } catch (e) {
        return refuse(res, 401, `client assertion refused: ${(e as Error).message}`);
      }
      const token = randomBytes(16).toString('hex');
      const lifetime = options.tokenLifetimeS ?? 3600;
      tokens.set(token, Date.now() + lifetime * 1000);
      lms.tokensIssued++;
      return send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: lifetime, scope: 'https://purl.imsglobal.org/spec/lti-ags/scope/score' });
    }

    const scores = /^\/lineitems\/([^/]+)\/scores$/.exec(path);
    if (scores !== null) {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      const expires = token === undefined ? undefined : tokens.get(token);
      if (expires === undefined || expires < Date.now()) return refuse(res, 401, 'unknown or expired access token');
      if (req.headers['content-type'] !== 'application/vnd.ims.lis.v1.score+json') return refuse(res, 415, `score sent as ${req.headers['content-type']}`);
      const parsed = FakeScoreSchema.safeParse(JSON.parse(body.toString('utf8')));
      if (!parsed.success) return refuse(res, 400, `bad Score JSON: ${parsed.error.message}`);
      const lineItem = lms.lineItemUrl(scores[1]!);
      const key = `${lineItem} ${parsed.data.userId}`;
      const at = Date.parse(parsed.data.timestamp);
      const received = { lineItem, score: parsed.data };
      if (at <= (lastTimestamp.get(key) ?? -Infinity)) lms.stale.push(received);
      else {
        lastTimestamp.set(key, at);
        lms.scores.push(received);
      }
      return send(res, 200, {});
    }

    if (path === '/webhook') {
      const secret = options.webhookSecret?.();
      const timestamp = req.headers['x-autograder-timestamp'];
      if (secret === undefined || typeof timestamp !== 'string' || !signatureMatches(secret, timestamp, body, req.headers['x-autograder-signature'] as string | undefined)) {
        return refuse(res, 401, 'score webhook signature does not match');
      }
      const key = req.headers['idempotency-key'] as string | undefined;
      const received = { body: JSON.parse(body.toString('utf8')) as Record<string, unknown>, idempotencyKey: key };
      if (key !== undefined && seenKeys.has(key)) lms.webhookRepeats.push(received);
      else {
        if (key !== undefined) seenKeys.add(key);
        lms.webhooks.push(received);
      }
      return send(res, 200, { ok: true });
    }
    send(res, 404, { error: `no route ${path}` });
  }

  const lms: FakeLms = {
    url,
    host: `127.0.0.1:${port}`,
    clientId,
    tokenUrl: `${url}/token`,
    webhookUrl: `${url}/webhook`,
    lineItemUrl: (id) => `${url}/lineitems/${id}`,
    scores: [],
    stale: [],
    webhooks: [],
    webhookRepeats: [],
    requests: [],
    problems: [],
    tokensIssued: 0,
    failNext(count, status) {
      failCount = count;
      failStatus = status;
    },
    failRate(share, status = 500) {
      rate = share;
      rateStatus = status;
    },
    serveFile: (path, bytes) => void files.set(path, bytes),
    redirect: (path, to) => void redirects.set(path, to),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return lms;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A unique LMS id for tests. */
export function lmsId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
