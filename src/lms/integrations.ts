/**
 * LMS integrations: creating one (its shared secret is shown once, stored sealed), listing
 * them without secrets, and reading one's secret back for signatures.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { LtiSettingsSchema, type IntegrationRow, type LmsRepository } from '../store/lms-repository.js';
import type { SecretBox } from './secret-box.js';

/** `host` or `host:port`, lower case; what `file_url` is checked against. */
const HostSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/, 'a host name, optionally with :port (no scheme, no path)');

export const NewIntegrationInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  allowHosts: z.array(HostSchema).default([]),
  /** Lets `file_url` reach private and loopback addresses; for tests against a local LMS only. */
  allowPrivate: z.boolean().default(false),
  scoreWebhook: z.url({ protocol: /^https?$/ }).nullish(),
  lti: LtiSettingsSchema.nullish(),
});
export type NewIntegrationInput = z.input<typeof NewIntegrationInputSchema>;

/** An integration as listed: everything but the secret. */
export interface IntegrationView {
  id: string;
  name: string;
  allowHosts: string[];
  allowPrivate: boolean;
  scoreWebhook: string | null;
  lti: IntegrationRow['lti'];
  createdAt: string;
}

export function secretPurpose(integrationId: string): string {
  return `lms-integration:${integrationId}`;
}

/** Creates an integration; the answer holds its secret, the only time it exists in plaintext outside the box. */
export async function createIntegration(repo: LmsRepository, box: SecretBox, input: NewIntegrationInput): Promise<{ integration: IntegrationView; secret: string }> {
  const parsed = NewIntegrationInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new UsageError('BAD_INPUT', `invalid LMS integration: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const secret = randomBytes(32).toString('base64url');
  // Sealed to the integration's unique name, which is known before the store picks the id.
  const created = await repo.createIntegration({
    name: parsed.data.name,
    secretEncrypted: box.seal(secret, secretPurpose(`name:${parsed.data.name}`)),
    allowHosts: parsed.data.allowHosts,
    allowPrivate: parsed.data.allowPrivate,
    scoreWebhook: parsed.data.scoreWebhook ?? null,
    lti: parsed.data.lti ?? null,
  });
  return { integration: viewOf(created), secret };
}

/** The integration's shared secret in plaintext (for verifying and signing webhooks). */
export function integrationSecret(box: SecretBox, integration: IntegrationRow): string {
  return box.open(integration.secretEncrypted, secretPurpose(`name:${integration.name}`));
}

export function viewOf(row: IntegrationRow): IntegrationView {
  return {
    id: row.id,
    name: row.name,
    allowHosts: row.allowHosts,
    allowPrivate: row.allowPrivate,
    scoreWebhook: row.scoreWebhook,
    lti: row.lti,
    createdAt: row.createdAt.toISOString(),
  };
}
