/**
 * Data access for the LMS tables of migration 0003: integrations, LMS users and
 * submission ids mapped onto ours, score deliveries with their attempt log, and our LTI
 * signing key. Secrets arrive here already encrypted (src/lms/secret-box.ts); this module
 * never sees one in plaintext.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { coerceError, isAutograderError, PlatformError, UsageError } from '../errors.js';
import type { Database } from './database.js';

type Timestamp = import('kysely').ColumnType<Date | string, Date, Date>;
type NullableTimestamp = import('kysely').ColumnType<Date | string | null, Date | null, Date | null>;
type Flag = import('kysely').ColumnType<boolean | number, boolean, boolean>;
type Json = import('kysely').ColumnType<unknown, string, string>;

type LmsTables = {
  lms_integrations: {
    id: string;
    name: string;
    secret_enc: string;
    allow_hosts: Json;
    allow_private: Flag;
    score_webhook: string | null;
    lti: import('kysely').ColumnType<unknown, string | null, string | null>;
    created_at: Timestamp;
  };
  lms_users: { integration_id: string; lms_user_id: string; user_id: string; created_at: Timestamp };
  lms_submissions: {
    integration_id: string;
    lms_submission_id: string;
    submission_id: string | null;
    lms_user_id: string;
    line_item: string | null;
    created_at: Timestamp;
  };
  lms_deliveries: {
    id: string;
    submission_id: string;
    result_id: string;
    integration_id: string;
    channel: string;
    target: string;
    status: string;
    score_timestamp: Timestamp;
    attempts: number;
    last_error: string | null;
    created_at: Timestamp;
    updated_at: Timestamp;
    delivered_at: NullableTimestamp;
  };
  lms_delivery_events: { id: string; delivery_id: string; at: Timestamp; outcome: string; http_status: number | null; detail: string };
  lms_signing_keys: { kid: string; private_enc: string; public_jwk: Json; created_at: Timestamp };
};

type LmsDatabase = Database & LmsTables;

const timestamp = z.coerce.date();
const nullableTimestamp = z.union([z.null(), z.coerce.date()]);
const flag = z.union([z.boolean(), z.number()]).transform((v) => v === true || v === 1);
function json<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === 'string' ? JSON.parse(v) : v), schema);
}

/** LTI 1.3 Assignment and Grade Services settings of one integration. */
export const LtiSettingsSchema = z.object({
  /** Our client id at the platform: `iss` and `sub` of the client assertion. */
  clientId: z.string().min(1).max(500),
  /** The platform's OAuth2 token endpoint. */
  tokenUrl: z.url({ protocol: /^https?$/ }),
  /** `aud` of the client assertion. @defaultValue tokenUrl */
  audience: z.string().min(1).max(500).optional(),
  /** Line item URL per assignment id, for submissions whose webhook named none. */
  lineItems: z.record(z.string(), z.url({ protocol: /^https?$/ })).default({}),
});
export type LtiSettings = z.infer<typeof LtiSettingsSchema>;

export const IntegrationRowSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    secret_enc: z.string(),
    allow_hosts: json(z.array(z.string())),
    allow_private: flag,
    score_webhook: z.string().nullable(),
    lti: json(LtiSettingsSchema.nullable()),
    created_at: timestamp,
  })
  .transform((r) => ({
    id: r.id,
    name: r.name,
    secretEncrypted: r.secret_enc,
    /** Hosts (`name` or `name:port`) `file_url` may point to. */
    allowHosts: r.allow_hosts,
    /** Whether `file_url` may resolve to a private or loopback address (tests only). */
    allowPrivate: r.allow_private,
    scoreWebhook: r.score_webhook,
    lti: r.lti,
    createdAt: r.created_at,
  }));
export type IntegrationRow = z.output<typeof IntegrationRowSchema>;

export interface NewIntegration {
  name: string;
  secretEncrypted: string;
  allowHosts: string[];
  allowPrivate: boolean;
  scoreWebhook: string | null;
  lti: LtiSettings | null;
}

const LmsSubmissionRowSchema = z
  .object({
    integration_id: z.string(),
    lms_submission_id: z.string(),
    submission_id: z.string().nullable(),
    lms_user_id: z.string(),
    line_item: z.string().nullable(),
    created_at: timestamp,
  })
  .transform((r) => ({
    integrationId: r.integration_id,
    lmsSubmissionId: r.lms_submission_id,
    /** Null while the webhook that claimed the id is still storing the upload. */
    submissionId: r.submission_id,
    lmsUserId: r.lms_user_id,
    lineItem: r.line_item,
    createdAt: r.created_at,
  }));
export type LmsSubmission = z.output<typeof LmsSubmissionRowSchema>;

export const DeliveryChannelSchema = z.enum(['ags', 'webhook']);
export type DeliveryChannel = z.infer<typeof DeliveryChannelSchema>;
export const DeliveryStatusSchema = z.enum(['pending', 'delivered', 'failed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;
export const DeliveryOutcomeSchema = z.enum(['delivered', 'retry', 'failed']);
export type DeliveryOutcome = z.infer<typeof DeliveryOutcomeSchema>;

const DeliveryRowSchema = z
  .object({
    id: z.string(),
    submission_id: z.string(),
    result_id: z.string(),
    integration_id: z.string(),
    channel: DeliveryChannelSchema,
    target: z.string(),
    status: DeliveryStatusSchema,
    score_timestamp: timestamp,
    attempts: z.coerce.number().int(),
    last_error: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    delivered_at: nullableTimestamp,
  })
  .transform((r) => ({
    id: r.id,
    submissionId: r.submission_id,
    resultId: r.result_id,
    integrationId: r.integration_id,
    channel: r.channel,
    /** The line item URL (ags) or webhook URL the score goes to. */
    target: r.target,
    status: r.status,
    scoreTimestamp: r.score_timestamp,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deliveredAt: r.delivered_at,
  }));
export type Delivery = z.output<typeof DeliveryRowSchema>;

const DeliveryEventRowSchema = z
  .object({ id: z.string(), delivery_id: z.string(), at: timestamp, outcome: DeliveryOutcomeSchema, http_status: z.coerce.number().int().nullable(), detail: z.string() })
  .transform((r) => ({ id: r.id, deliveryId: r.delivery_id, at: r.at, outcome: r.outcome, httpStatus: r.http_status, detail: r.detail }));
export type DeliveryEvent = z.output<typeof DeliveryEventRowSchema>;

export interface NewDelivery {
  submissionId: string;
  resultId: string;
  integrationId: string;
  channel: DeliveryChannel;
  target: string;
  /** `failed` when it can never be sent (no line item known); the reason goes in `lastError`. */
  status: 'pending' | 'failed';
  scoreTimestamp: Date;
  lastError?: string;
}

const SigningKeyRowSchema = z
  .object({ kid: z.string(), private_enc: z.string(), public_jwk: json(z.record(z.string(), z.unknown())), created_at: timestamp })
  .transform((r) => ({ kid: r.kid, privateEncrypted: r.private_enc, publicJwk: r.public_jwk, createdAt: r.created_at }));
export type SigningKeyRow = z.output<typeof SigningKeyRowSchema>;

/** Delivery errors end up on an instructor's page; a megabyte of HTML from a proxy does not. */
const MAX_DETAIL_CHARS = 2000;

export class LmsRepository {
  private readonly db: Kysely<LmsDatabase>;

  constructor(
    db: Kysely<Database>,
    private readonly now: () => Date,
  ) {
    this.db = db.withTables<LmsTables>();
  }

  // ---- integrations ----

  async createIntegration(input: NewIntegration): Promise<IntegrationRow> {
    return this.guard('createIntegration', async () => {
      const taken = await this.db.selectFrom('lms_integrations').select('id').where('name', '=', input.name).executeTakeFirst();
      if (taken !== undefined) throw new UsageError('INTEGRATION_NAME_TAKEN', `an LMS integration named ${JSON.stringify(input.name)} exists already (id ${taken.id}); choose another name`);
      const row = await this.db
        .insertInto('lms_integrations')
        .values({
          id: randomUUID(),
          name: input.name,
          secret_enc: input.secretEncrypted,
          allow_hosts: JSON.stringify(input.allowHosts),
          allow_private: input.allowPrivate,
          score_webhook: input.scoreWebhook,
          lti: input.lti === null ? null : JSON.stringify(input.lti),
          created_at: this.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return IntegrationRowSchema.parse(row);
    });
  }

  async getIntegration(id: string): Promise<IntegrationRow | undefined> {
    return this.guard('getIntegration', async () => {
      const row = await this.db.selectFrom('lms_integrations').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : IntegrationRowSchema.parse(row);
    });
  }

  async listIntegrations(): Promise<IntegrationRow[]> {
    return this.guard('listIntegrations', async () => {
      const rows = await this.db.selectFrom('lms_integrations').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map((r) => IntegrationRowSchema.parse(r));
    });
  }

  // ---- users ----

  /** Our user for an LMS user id, or undefined when the LMS has not sent this one before. */
  async findLmsUser(integrationId: string, lmsUserId: string): Promise<string | undefined> {
    return this.guard('findLmsUser', async () => {
      const row = await this.db
        .selectFrom('lms_users')
        .select('user_id')
        .where('integration_id', '=', integrationId)
        .where('lms_user_id', '=', lmsUserId)
        .executeTakeFirst();
      return row?.user_id;
    });
  }

  /**
   * Our student for an LMS user id, created on first sight (user and mapping in one
   * transaction). Two first sightings at once: the loser's transaction fails on the
   * primary key and the winner's user is read back.
   */
  async studentFor(integrationId: string, lmsUserId: string, name: string): Promise<string> {
    const existing = await this.findLmsUser(integrationId, lmsUserId);
    if (existing !== undefined) return existing;
    try {
      return await this.db.transaction().execute(async (trx) => {
        const now = this.now();
        const userId = randomUUID();
        await trx.insertInto('users').values({ id: userId, role: 'student', name, student_id: null, created_at: now }).execute();
        await trx.insertInto('lms_users').values({ integration_id: integrationId, lms_user_id: lmsUserId, user_id: userId, created_at: now }).execute();
        return userId;
      });
    } catch (e) {
      const winner = await this.findLmsUser(integrationId, lmsUserId);
      if (winner !== undefined) return winner;
      throw new PlatformError('DATABASE_ERROR', `creating the student for LMS user ${lmsUserId} failed: ${coerceError(e).message}`, { cause: e });
    }
  }

  // ---- submissions ----

  /**
   * Claims an LMS submission id before anything is stored for it, so two deliveries of one
   * webhook make one submission. Answers the existing mapping when the id was claimed before.
   */
  async claimSubmission(input: { integrationId: string; lmsSubmissionId: string; lmsUserId: string; lineItem: string | null }): Promise<{ claimed: true } | { claimed: false; existing: LmsSubmission }> {
    return this.guard('claimSubmission', async () => {
      const inserted = await this.db
        .insertInto('lms_submissions')
        .values({
          integration_id: input.integrationId,
          lms_submission_id: input.lmsSubmissionId,
          submission_id: null,
          lms_user_id: input.lmsUserId,
          line_item: input.lineItem,
          created_at: this.now(),
        })
        .onConflict((oc) => oc.columns(['integration_id', 'lms_submission_id']).doNothing())
        .executeTakeFirst();
      if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return { claimed: true };
      const existing = await this.getLmsSubmission(input.integrationId, input.lmsSubmissionId);
      if (existing === undefined) throw new PlatformError('DATABASE_ERROR', `LMS submission ${input.lmsSubmissionId} was neither claimed nor found; send it again`);
      return { claimed: false, existing };
    });
  }

  async getLmsSubmission(integrationId: string, lmsSubmissionId: string): Promise<LmsSubmission | undefined> {
    return this.guard('getLmsSubmission', async () => {
      const row = await this.db
        .selectFrom('lms_submissions')
        .selectAll()
        .where('integration_id', '=', integrationId)
        .where('lms_submission_id', '=', lmsSubmissionId)
        .executeTakeFirst();
      return row === undefined ? undefined : LmsSubmissionRowSchema.parse(row);
    });
  }

  /** The upload of a claimed id is stored: the id now names this submission. */
  async completeClaim(integrationId: string, lmsSubmissionId: string, submissionId: string): Promise<void> {
    await this.guard('completeClaim', async () => {
      await this.db
        .updateTable('lms_submissions')
        .set({ submission_id: submissionId })
        .where('integration_id', '=', integrationId)
        .where('lms_submission_id', '=', lmsSubmissionId)
        .execute();
    });
  }

  /** The upload of a claimed id was refused: the LMS may send it again. */
  async releaseClaim(integrationId: string, lmsSubmissionId: string): Promise<void> {
    await this.guard('releaseClaim', async () => {
      await this.db
        .deleteFrom('lms_submissions')
        .where('integration_id', '=', integrationId)
        .where('lms_submission_id', '=', lmsSubmissionId)
        .where('submission_id', 'is', null)
        .execute();
    });
  }

  /** Where a submission came from, when an LMS sent it. */
  async lmsSubmissionOf(submissionId: string): Promise<LmsSubmission | undefined> {
    return this.guard('lmsSubmissionOf', async () => {
      const row = await this.db.selectFrom('lms_submissions').selectAll().where('submission_id', '=', submissionId).executeTakeFirst();
      return row === undefined ? undefined : LmsSubmissionRowSchema.parse(row);
    });
  }

  // ---- deliveries ----

  /**
   * The delivery of one result over one channel, created once: a second call for the same
   * (result, channel) answers the first delivery with `created: false`.
   */
  async createDelivery(input: NewDelivery): Promise<{ delivery: Delivery; created: boolean }> {
    return this.guard('createDelivery', async () => {
      const now = this.now();
      const inserted = await this.db
        .insertInto('lms_deliveries')
        .values({
          id: randomUUID(),
          submission_id: input.submissionId,
          result_id: input.resultId,
          integration_id: input.integrationId,
          channel: input.channel,
          target: input.target,
          status: input.status,
          score_timestamp: input.scoreTimestamp,
          attempts: 0,
          last_error: input.lastError?.slice(0, MAX_DETAIL_CHARS) ?? null,
          created_at: now,
          updated_at: now,
          delivered_at: null,
        })
        .onConflict((oc) => oc.columns(['result_id', 'channel']).doNothing())
        .executeTakeFirst();
      const row = await this.db
        .selectFrom('lms_deliveries')
        .selectAll()
        .where('result_id', '=', input.resultId)
        .where('channel', '=', input.channel)
        .executeTakeFirstOrThrow();
      return { delivery: DeliveryRowSchema.parse(row), created: (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n };
    });
  }

  /** The latest score timestamp sent to this target for this LMS user (AGS wants them strictly increasing). */
  async lastScoreTimestamp(integrationId: string, channel: DeliveryChannel, target: string, lmsUserId: string): Promise<Date | undefined> {
    return this.guard('lastScoreTimestamp', async () => {
      const row = await this.db
        .selectFrom('lms_deliveries as d')
        .innerJoin('lms_submissions as s', 's.submission_id', 'd.submission_id')
        .select((eb) => eb.fn.max('d.score_timestamp').as('latest'))
        .where('d.integration_id', '=', integrationId)
        .where('d.channel', '=', channel)
        .where('d.target', '=', target)
        .where('s.lms_user_id', '=', lmsUserId)
        .executeTakeFirst();
      const latest = nullableTimestamp.parse(row?.latest ?? null);
      return latest ?? undefined;
    });
  }

  async getDelivery(id: string): Promise<Delivery | undefined> {
    return this.guard('getDelivery', async () => {
      const row = await this.db.selectFrom('lms_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : DeliveryRowSchema.parse(row);
    });
  }

  /**
   * Logs one attempt and moves the delivery on: `delivered` and `failed` are final, `retry`
   * leaves it pending. A delivery already final is left as it was (answers false).
   */
  async recordAttempt(id: string, attempt: { outcome: DeliveryOutcome; httpStatus: number | null; detail: string }): Promise<boolean> {
    return this.guard('recordAttempt', () =>
      this.db.transaction().execute(async (trx) => {
        const now = this.now();
        const detail = attempt.detail.slice(0, MAX_DETAIL_CHARS);
        const updated = await trx
          .updateTable('lms_deliveries')
          .set((eb) => ({
            attempts: eb('attempts', '+', 1),
            status: attempt.outcome === 'retry' ? 'pending' : attempt.outcome,
            last_error: attempt.outcome === 'delivered' ? null : detail,
            delivered_at: attempt.outcome === 'delivered' ? now : null,
            updated_at: now,
          }))
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (updated.numUpdatedRows === 0n) return false;
        await trx
          .insertInto('lms_delivery_events')
          .values({ id: randomUUID(), delivery_id: id, at: now, outcome: attempt.outcome, http_status: attempt.httpStatus, detail })
          .execute();
        return true;
      }),
    );
  }

  /** A submission's deliveries, newest first, each with its attempts oldest first. */
  async deliveriesOf(submissionId: string): Promise<Array<Delivery & { events: DeliveryEvent[] }>> {
    return this.guard('deliveriesOf', async () => {
      const deliveries = (
        await this.db.selectFrom('lms_deliveries').selectAll().where('submission_id', '=', submissionId).orderBy('created_at', 'desc').orderBy('id').execute()
      ).map((r) => DeliveryRowSchema.parse(r));
      if (deliveries.length === 0) return [];
      const events = (
        await this.db
          .selectFrom('lms_delivery_events')
          .selectAll()
          .where(
            'delivery_id',
            'in',
            deliveries.map((d) => d.id),
          )
          .orderBy('at')
          .orderBy('id')
          .execute()
      ).map((r) => DeliveryEventRowSchema.parse(r));
      return deliveries.map((d) => ({ ...d, events: events.filter((e) => e.deliveryId === d.id) }));
    });
  }

  /** Pending deliveries unchanged since `olderThan`: the sweep re-enqueues them (Redis was down, or lost the job). */
  async pendingDeliveries(olderThan: Date, limit = 500): Promise<Delivery[]> {
    return this.guard('pendingDeliveries', async () => {
      const rows = await this.db
        .selectFrom('lms_deliveries')
        .selectAll()
        .where('status', '=', 'pending')
        .where('updated_at', '<=', olderThan)
        .orderBy('updated_at')
        .limit(limit)
        .execute();
      return rows.map((r) => DeliveryRowSchema.parse(r));
    });
  }

  // ---- signing key ----

  async signingKey(): Promise<SigningKeyRow | undefined> {
    return this.guard('signingKey', async () => {
      const row = await this.db.selectFrom('lms_signing_keys').selectAll().orderBy('created_at').orderBy('kid').executeTakeFirst();
      return row === undefined ? undefined : SigningKeyRowSchema.parse(row);
    });
  }

  /** Stores a key unless one exists already; answers the key in use (the first one stored). */
  async saveSigningKeyOnce(key: { kid: string; privateEncrypted: string; publicJwk: Record<string, unknown> }): Promise<SigningKeyRow> {
    return this.guard('saveSigningKeyOnce', async () => {
      const existing = await this.signingKey();
      if (existing !== undefined) return existing;
      await this.db
        .insertInto('lms_signing_keys')
        .values({ kid: key.kid, private_enc: key.privateEncrypted, public_jwk: JSON.stringify(key.publicJwk), created_at: this.now() })
        .onConflict((oc) => oc.column('kid').doNothing())
        .execute();
      const stored = await this.signingKey();
      if (stored === undefined) throw new PlatformError('DATABASE_ERROR', 'the LTI signing key was stored but cannot be read back');
      return stored;
    });
  }

  private async guard<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (isAutograderError(e)) throw e;
      throw new PlatformError('DATABASE_ERROR', `lms.${operation} failed: ${coerceError(e).message}`, { cause: e });
    }
  }
}
