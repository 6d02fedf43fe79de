/** The webhook signature: HMAC-SHA256 of "<timestamp>.<raw body>", five-minute window. */
import { describe, expect, it } from 'vitest';
import { hostAllowed, isNonPublicAddress } from '../../../src/lms/fetch.js';
import { checkTimestamp, signatureMatches, signatureOf, signedHeaders } from '../../../src/lms/signature.js';

describe('webhook signature', () => {
  const body = Buffer.from('--b\r\ncontent\r\n--b--');
  it('matches only the same secret, timestamp and body', () => {
    const headers = signedHeaders('s3cret', body, new Date(1_700_000_000_000));
    expect(headers['X-Autograder-Timestamp']).toBe('1700000000');
    const sig = headers['X-Autograder-Signature'];
    expect(sig).toBe(`sha256=${signatureOf('s3cret', '1700000000', body)}`);
    expect(signatureMatches('s3cret', '1700000000', body, sig)).toBe(true);
    expect(signatureMatches('other', '1700000000', body, sig)).toBe(false);
    expect(signatureMatches('s3cret', '1700000001', body, sig)).toBe(false);
    expect(signatureMatches('s3cret', '1700000000', Buffer.from('--b\r\ncontent!\r\n--b--'), sig)).toBe(false);
    expect(signatureMatches('s3cret', '1700000000', body, undefined)).toBe(false);
    expect(signatureMatches('s3cret', '1700000000', body, 'sha256=abc')).toBe(false);
  });
  it('refuses timestamps outside five minutes either way', () => {
    const now = new Date(1_700_000_000_000);
    expect(checkTimestamp('1700000000', now).ok).toBe(true);
    expect(checkTimestamp(String(1_700_000_000 - 299), now).ok).toBe(true);
    expect(checkTimestamp(String(1_700_000_000 - 301), now)).toMatchObject({ ok: false, code: 'TIMESTAMP_STALE' });
    expect(checkTimestamp(String(1_700_000_000 + 301), now)).toMatchObject({ ok: false, code: 'TIMESTAMP_STALE' });
    expect(checkTimestamp(undefined, now)).toMatchObject({ ok: false, code: 'SIGNATURE_MISSING' });
    expect(checkTimestamp('soon', now)).toMatchObject({ ok: false, code: 'SIGNATURE_MISSING' });
  });
});

describe('file_url policy', () => {
  it('knows private, loopback and link-local addresses', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '0.0.0.0', '100.64.0.1']) {
      expect(isNonPublicAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '8.8.8.8']) expect(isNonPublicAddress(a), a).toBe(false);
  });
  it('matches a host with any port, or host:port exactly', () => {
    expect(hostAllowed(new URL('https://lms.example.org/f'), ['lms.example.org'])).toBe(true);
    expect(hostAllowed(new URL('https://lms.example.org:8443/f'), ['lms.example.org:8443'])).toBe(true);
    expect(hostAllowed(new URL('https://lms.example.org/f'), ['lms.example.org:8443'])).toBe(false);
    expect(hostAllowed(new URL('https://lms.example.org.evil.net/f'), ['lms.example.org'])).toBe(false);
    expect(hostAllowed(new URL('https://evil.net/lms.example.org'), ['lms.example.org'])).toBe(false);
  });
});
