/**
 * How sending a score failed: `retryable` (429, 5xx, a network error, an expired token)
 * goes back to the queue with backoff; anything else is recorded as failed for good.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly httpStatus: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** A short, single-line excerpt of an error answer for the delivery log. */
export async function answerExcerpt(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** fetch with a time limit; network failures become retryable DeliveryErrors. */
export async function sendRequest(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const reason = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
    throw new DeliveryError(`${what}: ${reason}`, true, null, { cause: e });
  }
}
