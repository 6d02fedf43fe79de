/**
 * The generic score webhook for systems without LTI: a JSON POST to the integration's
 * `--score-webhook` URL, signed with the integration's secret and the same two headers as
 * inbound webhooks, with an `Idempotency-Key` (the delivery id) so a receiver can drop a
 * retry it already processed.
 */
import { z } from 'zod';
import { DeliveryError, answerExcerpt, isRetryableStatus, sendRequest } from './delivery-error.js';
import { signedHeaders } from './signature.js';

export const ScoreWebhookBodySchema = z.object({
  integration: z.string(),
  lmsUserId: z.string(),
  lmsSubmissionId: z.string(),
  submissionId: z.string(),
  assignmentId: z.string(),
  /** Null when the submission was not gradable: never a 0 for an unreadable upload. */
  score: z.number().nullable(),
  maxScore: z.number(),
  status: z.enum(['graded', 'not_gradable']),
  /** Why it was not gradable; empty when graded. */
  errors: z.array(z.string()),
  reportUrl: z.string(),
  resultId: z.string(),
  gradedAt: z.iso.datetime({ offset: true }),
});
export type ScoreWebhookBody = z.infer<typeof ScoreWebhookBodySchema>;

export async function postScoreWebhook(
  url: string,
  secret: string,
  body: ScoreWebhookBody,
  idempotencyKey: string,
  options: { timeoutMs?: number; now?: Date } = {},
): Promise<{ httpStatus: number }> {
  const bytes = Buffer.from(JSON.stringify(ScoreWebhookBodySchema.parse(body)));
  const response = await sendRequest(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey, ...signedHeaders(secret, bytes, options.now) }, body: bytes },
    options.timeoutMs ?? 10_000,
    'posting the score webhook',
  );
  if (response.ok) {
    await response.body?.cancel();
    return { httpStatus: response.status };
  }
  const excerpt = await answerExcerpt(response);
  throw new DeliveryError(`the score webhook answered ${response.status} ${excerpt}`.trim(), isRetryableStatus(response.status), response.status);
}
