/**
 * The signature on webhooks in both directions:
 *   X-Autograder-Timestamp: <unix seconds>
 *   X-Autograder-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">
 * with the integration's shared secret. Compared in constant time; a timestamp more than
 * five minutes from now (either way) is refused, so a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Autograder-Timestamp';
export const SIGNATURE_HEADER = 'X-Autograder-Signature';
export const REPLAY_WINDOW_S = 5 * 60;

export function signatureOf(secret: string, timestamp: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The two headers for a request with this body. */
export function signedHeaders(secret: string, body: Uint8Array, now: Date = new Date()): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `sha256=${signatureOf(secret, timestamp, body)}` };
}

export type TimestampCheck = { ok: true } | { ok: false; code: 'SIGNATURE_MISSING' | 'TIMESTAMP_STALE'; detail: string };

/** Checks the timestamp header alone (before the body is read). */
export function checkTimestamp(timestamp: string | undefined, now: Date): TimestampCheck {
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, code: 'SIGNATURE_MISSING', detail: `send ${TIMESTAMP_HEADER} (unix seconds) and ${SIGNATURE_HEADER} (sha256=<hex HMAC of "<timestamp>.<body>">)` };
  }
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (skew > REPLAY_WINDOW_S) {
    return { ok: false, code: 'TIMESTAMP_STALE', detail: `${TIMESTAMP_HEADER} is ${Math.round(skew)} s from our clock; sign each request when it is sent (window ${REPLAY_WINDOW_S} s)` };
  }
  return { ok: true };
}

/** Whether the signature header is the HMAC of this timestamp and body under `secret`. */
export function signatureMatches(secret: string, timestamp: string, body: Uint8Array, header: string | undefined): boolean {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header?.trim() ?? '');
  if (match === null) return false;
  const expected = Buffer.from(signatureOf(secret, timestamp, body), 'hex');
  const given = Buffer.from(match[1]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
