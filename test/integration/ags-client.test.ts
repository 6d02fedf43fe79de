/**
 * The AGS client against the loopback LMS: one token for many scores while it is valid,
 * a new one once it expires or the platform refuses it, and the assertion checked against
 * our JWKS by the platform.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgsClient, scoresUrl, type AgsScore } from '../../src/lms/ags-client.js';
import { DeliveryError } from '../../src/lms/delivery-error.js';
import { SecretBox } from '../../src/lms/secret-box.js';
import { SigningKeys } from '../../src/lms/signing-keys.js';
import { openStore, type Store } from '../../src/store/store.js';
import { startFakeLms, type FakeLms } from '../helpers/fake-lms.js';

describe('AGS client', () => {
  let dataDir: string;
  let store: Store;
  let keys: SigningKeys;
  let jwksServer: Server;
  let lms: FakeLms;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ag-ags-'));
    store = await openStore({ dataDir, databaseUrl: '' });
    keys = new SigningKeys(store.lms, SecretBox.forConfig({ dataDir }));
    jwksServer = createServer((_req, res) => void keys.jwks().then((j) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(j))));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
    // 31 s lifetime: the client renews 30 s early, so a token is good for about a second.
    lms = await startFakeLms({ jwksUrl: () => jwksUrl, tokenLifetimeS: 31 });
  });
  afterAll(async () => {
    await lms?.close();
    jwksServer?.close();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const score = (userId: string, at: number): AgsScore => ({
    userId,
    scoreGiven: 3,
    scoreMaximum: 4,
    timestamp: new Date(at).toISOString(),
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
  });

  it('keeps its token until it expires, then asks for a new one', async () => {
    const client = new AgsClient({ keys });
    const lti = { clientId: lms.clientId, tokenUrl: lms.tokenUrl, lineItems: {} };
    const at = Date.now();
    await Promise.all([1, 2, 3].map((i) => client.postScore(lti, lms.lineItemUrl('a'), score(`u${i}`, at))));
    expect(lms.tokensIssued).toBe(1);
    await new Promise((r) => setTimeout(r, 1200));
    await client.postScore(lti, lms.lineItemUrl('a'), score('u4', at));
    expect(lms.tokensIssued).toBe(2);
    expect(lms.scores).toHaveLength(4);
    expect(lms.problems).toEqual([]);
  });

  it('says whether a refusal is worth retrying', async () => {
    const client = new AgsClient({ keys });
    const lti = { clientId: lms.clientId, tokenUrl: lms.tokenUrl, lineItems: {} };
    lms.failNext(1, 429);
    await expect(client.postScore(lti, lms.lineItemUrl('b'), score('u1', Date.now()))).rejects.toMatchObject({ retryable: true, httpStatus: 429 });
    const wrongClient = { ...lti, clientId: 'someone-else' };
    const refused = await client.postScore(wrongClient, lms.lineItemUrl('b'), score('u1', Date.now())).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DeliveryError);
    // A platform that refuses our client (wrong client id or key) will refuse it again: failed for good, with why.
    expect(refused).toMatchObject({ retryable: false, httpStatus: 401 });
    expect((refused as Error).message).toMatch(/token endpoint answered 401/);
    const notFound = await client.postScore(lti, `${lms.url}/nowhere`, score('u1', Date.now())).catch((e: unknown) => e);
    expect(notFound).toMatchObject({ retryable: false, httpStatus: 404 });
  });

  it('puts /scores after the line item path, before its query', () => {
    expect(scoresUrl('https://lms.example.org/api/lti/courses/1/line_items/7?type_id=3')).toBe('https://lms.example.org/api/lti/courses/1/line_items/7/scores?type_id=3');
  });
});
