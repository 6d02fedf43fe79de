/**
 * Fetching a webhook's `file_url`: only from the integration's allow-listed hosts, every
 * redirect checked the same way (none off the list), never to a private, loopback or
 * link-local address unless the integration allows it (tests against a local LMS), with a
 * size and a time limit. The address check runs inside the connection's DNS lookup, so
 * the address connected to is the address checked (no rebinding between check and use).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AutograderError } from '../errors.js';
import { formatBytes } from '../submission/limits.js';

export interface FileUrlPolicy {
  /** `host` (any port) or `host:port`, lower case. */
  allowHosts: readonly string[];
  allowPrivate: boolean;
  maxBytes: number;
  /** For the whole fetch, redirects included. */
  timeoutMs: number;
  /** @defaultValue 3 */
  maxRedirects?: number;
}

/** Why a `file_url` was not fetched; `status` is the HTTP status the webhook answers. */
export class FileUrlError extends AutograderError {
  constructor(
    code: string,
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super('usage', code, message, options);
    this.name = 'FileUrlError';
  }
}

export interface FetchedFile {
  name: string;
  bytes: Buffer;
}

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/** Whether an address is private, loopback, link-local or otherwise not on the public internet. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return NON_PUBLIC.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function hostAllowed(url: URL, allowHosts: readonly string[]): boolean {
  const hostname = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowHosts.some((entry) => entry === hostname || entry === `${hostname}:${port}`);
}

export async function fetchFileUrl(rawUrl: string, policy: FileUrlPolicy): Promise<FetchedFile> {
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  let url = checkUrl(rawUrl, policy);
  for (let redirects = 0; ; redirects++) {
    const response = await request(url, policy, deadline);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location !== undefined) {
      response.resume();
      if (redirects >= (policy.maxRedirects ?? 3)) throw new FileUrlError('FILE_URL_REDIRECTS', `file_url redirected more than ${policy.maxRedirects ?? 3} times`, 422);
      let next: URL;
      try {
        next = new URL(response.headers.location, url);
      } catch (cause) {
        throw new FileUrlError('FILE_URL_REDIRECT_NOT_ALLOWED', 'file_url redirected to something that is not a URL', 422, { cause });
      }
      if (!hostAllowed(next, policy.allowHosts) || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
        throw new FileUrlError('FILE_URL_REDIRECT_NOT_ALLOWED', `file_url redirected to ${next.host}, which is not on this integration's allowed hosts`, 422);
      }
      url = next;
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new FileUrlError('FILE_URL_FAILED', `fetching file_url answered HTTP ${status}; check that the LMS serves the file to us`, 502);
    }
    const bytes = await readBody(response, policy.maxBytes, deadline);
    return { name: fileNameOf(response, url), bytes };
  }
}

function checkUrl(rawUrl: string, policy: FileUrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch (cause) {
    throw new FileUrlError('FILE_URL_INVALID', 'file_url is not a URL', 400, { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FileUrlError('FILE_URL_INVALID', `file_url must be http(s), not ${url.protocol}`, 400);
  if (url.username !== '' || url.password !== '') throw new FileUrlError('FILE_URL_INVALID', 'file_url may not carry credentials', 400);
  if (!hostAllowed(url, policy.allowHosts)) {
    throw new FileUrlError('FILE_URL_NOT_ALLOWED', `${url.host} is not on this integration's allowed hosts (autograder lms add --allow-host)`, 422);
  }
  return url;
}

function request(url: URL, policy: FileUrlPolicy, signal: AbortSignal): Promise<IncomingMessage> {
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) !== 0 && !policy.allowPrivate && isNonPublicAddress(literal)) {
    return Promise.reject(privateAddress(url.host));
  }
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const usable = policy.allowPrivate ? addresses : addresses.filter((a) => !isNonPublicAddress(a.address));
      if (usable.length === 0) return callback(privateAddress(hostname), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      return callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { lookup, signal, headers: { accept: '*/*', 'user-agent': 'notebook-autograder' } }, resolve);
    req.on('error', (e) => reject(transportError(e, url, signal)));
  });
}

function readBody(response: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', (e) => reject(transportError(e, undefined, signal)));
    response.on('aborted', () => reject(transportError(new Error('aborted'), undefined, signal)));
  });
}

function fileNameOf(response: IncomingMessage, url: URL): string {
  const disposition = response.headers['content-disposition'] ?? '';
  const quoted = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  const fromPath = decodeURIComponent(url.pathname.split('/').at(-1) ?? '');
  const name = (quoted ?? fromPath).split(/[\\/]/).at(-1)?.trim().slice(-255);
  return name || 'submission.ipynb';
}

function privateAddress(host: string): FileUrlError {
  return new FileUrlError('FILE_URL_PRIVATE_ADDRESS', `${host} resolves to a private or loopback address, which file_url may not reach`, 422);
}

function tooLarge(maxBytes: number): FileUrlError {
  return new FileUrlError('TOO_LARGE', `the file at file_url is over the ${formatBytes(maxBytes)} limit`, 413);
}

function transportError(e: unknown, url: URL | undefined, signal: AbortSignal): unknown {
  if (e instanceof FileUrlError) return e;
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof FileUrlError) return cause;
  if (signal.aborted) return new FileUrlError('FILE_URL_TIMEOUT', 'fetching file_url took too long; make the file available faster or upload it in the field "file"', 504, { cause: e });
  return new FileUrlError('FILE_URL_FAILED', `fetching file_url${url ? ` from ${url.host}` : ''} failed: ${(e as Error).message}`, 502, { cause: e });
}
