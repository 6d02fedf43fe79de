/**
 * The OpenAPI 3.1 document of the API, generated from the same zod schemas the routes
 * parse with (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
 */
import { z } from 'zod';
import { graderVersion } from '../version.js';
import type { Role } from '../store/rows.js';
import {
  AssignmentListSchema,
  AssignmentParamsSchema,
  AssignmentViewSchema,
  ErrorBodySchema,
  HealthSchema,
  PolicyBodySchema,
  RegradeAcceptedSchema,
  SubmissionListQuerySchema,
  SubmissionListSchema,
  SubmissionParamsSchema,
  SubmissionViewSchema,
  UploadAcceptedSchema,
  WorkerFailedBodySchema,
  WorkerFailedRecordedSchema,
  WorkerResultBodySchema,
  WorkerResultRecordedSchema,
  WorkerStartedSchema,
  WorkerSubmissionSchema,
} from './schemas.js';
import { LmsIntegrationParamsSchema } from './routes/lms.js';
import { UPLOAD_FIELD } from './upload.js';

interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** @defaultValue application/json */
  contentType?: string;
}

interface RouteDoc {
  method: 'get' | 'post' | 'put';
  /** OpenAPI path syntax: `{id}`. */
  path: string;
  summary: string;
  /** Roles whose token is accepted; empty: no token needed. */
  roles: readonly Role[];
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType | 'multipart';
  responses: Record<number, ResponseDoc>;
}

const staff: Role[] = ['instructor', 'admin'];
const uploaders: Role[] = ['student', 'instructor', 'admin'];
const worker: Role[] = ['worker'];

const error = (description: string): ResponseDoc => ({ description, schema: ErrorBodySchema });

const ROUTES: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/assignments/{id}/submissions',
    summary: 'Upload a notebook (.ipynb) or a .zip with a notebook and model files. Answered once the upload is stored durably.',
    roles: uploaders,
    params: AssignmentParamsSchema,
    body: 'multipart',
    responses: {
      202: { description: 'Accepted and stored; poll GET /api/submissions/{id}. `enqueued: false` when the queue was down (it is queued automatically later).', schema: UploadAcceptedSchema },
      400: error('No file, a wrong multipart field, or a malformed request'),
      403: error('Past the due date under a policy that refuses late uploads (the body has `dueAt`)'),
      404: error('Unknown assignment'),
      413: error('The upload is over the size limit'),
      415: error('Not multipart, or neither a notebook nor a zip'),
      422: error('Not a valid notebook (too many cells, nested too deep, ...), or a zip that is unsafe or malformed (zip bomb, path traversal, ...)'),
      429: error('Over the hourly submission limit (TOO_MANY_SUBMISSIONS), or too many of your uploads in progress at once (TOO_MANY_UPLOADS_IN_PROGRESS); see Retry-After'),
      503: error('The store is unavailable, or too many uploads are waiting to be checked (BUSY); nothing was recorded'),
    },
  },
  {
    method: 'get',
    path: '/api/submissions/{id}',
    summary: "A submission and its current report. Students see only their own and only the checks visible to them; the score is recomputed over those.",
    roles: uploaders,
    params: SubmissionParamsSchema,
    responses: { 200: { description: 'The submission', schema: SubmissionViewSchema }, 404: error('No such submission of yours') },
  },
  {
    method: 'get',
    path: '/api/assignments',
    summary: 'The assignments, with checks, points, due date and policy',
    roles: ['student', 'instructor', 'admin', 'lms'],
    responses: { 200: { description: 'The assignments', schema: AssignmentListSchema } },
  },
  {
    method: 'get',
    path: '/api/assignments/{id}/submissions',
    summary: 'Every submission of the assignment with its current score (`?format=csv` for a spreadsheet)',
    roles: staff,
    params: AssignmentParamsSchema,
    query: SubmissionListQuerySchema,
    responses: {
      200: { description: 'JSON, or CSV with ?format=csv', schema: SubmissionListSchema },
      404: error('Unknown assignment'),
    },
  },
  {
    method: 'put',
    path: '/api/assignments/{id}/policy',
    summary: 'Set the due date, the late policy (accept, reject, or a penalty per started day) and the hourly submission limit',
    roles: staff,
    params: AssignmentParamsSchema,
    body: PolicyBodySchema,
    responses: { 200: { description: 'The assignment with its new policy', schema: AssignmentViewSchema }, 404: error('Unknown assignment') },
  },
  {
    method: 'post',
    path: '/api/submissions/{id}/regrade',
    summary: 'Grade the submission again; its current result stays current until the new one is recorded',
    roles: staff,
    params: SubmissionParamsSchema,
    responses: { 202: { description: 'Queued again', schema: RegradeAcceptedSchema }, 404: error('No such submission or assignment') },
  },
  {
    method: 'get',
    path: '/api/submissions/{id}/file',
    summary: 'The file the submission was uploaded as (its student, or staff: e.g. `autograder regrade --dry-run` grades it locally)',
    roles: uploaders,
    params: SubmissionParamsSchema,
    responses: { 200: { description: 'The upload', contentType: 'application/octet-stream' }, 404: error('No such submission of yours') },
  },
  {
    method: 'get',
    path: '/api/worker/submissions/{id}',
    summary: 'What a worker needs to know about a submission',
    roles: worker,
    params: SubmissionParamsSchema,
    responses: { 200: { description: 'Metadata', schema: WorkerSubmissionSchema }, 404: error('No such submission') },
  },
  {
    method: 'get',
    path: '/api/worker/submissions/{id}/file',
    summary: 'The uploaded bytes, as stored (X-Content-SHA256 names their hash)',
    roles: worker,
    params: SubmissionParamsSchema,
    responses: { 200: { description: 'The upload', contentType: 'application/octet-stream' }, 404: error('No such submission') },
  },
  {
    method: 'post',
    path: '/api/worker/submissions/{id}/started',
    summary: 'A worker starts grading: status running, one more attempt (send its number back with the outcome)',
    roles: worker,
    params: SubmissionParamsSchema,
    responses: { 200: { description: 'The attempt number', schema: WorkerStartedSchema }, 404: error('No such submission') },
  },
  {
    method: 'post',
    path: '/api/worker/submissions/{id}/result',
    summary: 'Record a grade report as the current result (late penalty applied here); idempotent per attempt',
    roles: worker,
    params: SubmissionParamsSchema,
    body: WorkerResultBodySchema,
    responses: {
      200: { description: 'Recorded, or already recorded for this attempt', schema: WorkerResultRecordedSchema },
      404: error('No such submission'),
      409: error('A later attempt superseded this one, or /started was not called'),
      422: error('The report is for another submission or assignment'),
    },
  },
  {
    method: 'post',
    path: '/api/worker/submissions/{id}/failed',
    summary: 'Grading gave up for a platform or grader reason after its retries (student errors are results, not failures)',
    roles: worker,
    params: SubmissionParamsSchema,
    body: WorkerFailedBodySchema,
    responses: { 200: { description: 'Marked failed', schema: WorkerFailedRecordedSchema }, 404: error('No such submission'), 409: error('Stale attempt') },
  },
  {
    method: 'post',
    path: '/api/lms/{integration}/submissions',
    summary:
      'An LMS posts a submission (multipart: assignment, user, submission, file or file_url, optional lineitem and name), signed with X-Autograder-Timestamp (unix seconds) and X-Autograder-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>"> under the integration\'s secret (no bearer token). Idempotent on (integration, submission); the score goes back by LTI AGS and/or the signed score webhook',
    roles: [],
    params: LmsIntegrationParamsSchema,
    responses: {
      202: { description: 'Accepted like an upload; a repeat answers the same submission with `duplicate: true`', schema: UploadAcceptedSchema },
      400: error('A field is missing or wrong, or both or neither of file and file_url'),
      401: error('Unknown integration (UNKNOWN_INTEGRATION), no or a bad signature (SIGNATURE_MISSING, SIGNATURE_INVALID), or a timestamp more than 5 minutes off (TIMESTAMP_STALE); nothing was stored'),
      404: error('Unknown assignment'),
      409: error('The same LMS submission is being stored by an earlier request; see Retry-After'),
      422: error('Not gradable as uploaded, or file_url not on the allowed hosts, redirected off them, or private (FILE_URL_*)'),
      502: error('file_url could not be fetched'),
    },
  },
  {
    method: 'get',
    path: '/api/submissions/{id}/lms-deliveries',
    summary: 'The score passback log of a submission: each delivery (AGS or webhook, per result) with its status and every attempt',
    roles: staff,
    params: SubmissionParamsSchema,
    responses: { 200: { description: '{ submissionId, deliveries: [{ channel, target, status, attempts, lastError, log: [...] }] }' }, 404: error('No such submission') },
  },
  {
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: 'Our public key (RS256), which LTI platforms check our OAuth2 client assertions against',
    roles: [],
    responses: { 200: { description: 'A JSON Web Key Set' } },
  },
  {
    method: 'get',
    path: '/healthz',
    summary: 'Ready to grade: Redis, the store and at least one worker with a working sandbox answer. Without a token only `status` (and on 503 the failing parts by name); an instructor or admin token adds worker ids and failure details',
    roles: [],
    responses: { 200: { description: 'Healthy (the details with a staff token)', schema: HealthSchema.partial({ redis: true, store: true, workers: true }) }, 503: { description: 'Which part failed', schema: HealthSchema.partial({ redis: true, store: true, workers: true }).extend(ErrorBodySchema.shape) } },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics: queue depth, grading duration, outcomes, uploads',
    roles: [],
    responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain; version=0.0.4' } },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    roles: [],
    responses: { 200: { description: 'OpenAPI 3.1' } },
  },
];

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined): JsonSchema[] {
  if (schema === undefined) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (object.required ?? []).includes(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

function requestBody(body: RouteDoc['body']): JsonSchema | undefined {
  if (body === undefined) return undefined;
  if (body === 'multipart') {
    return {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: [UPLOAD_FIELD],
            properties: { [UPLOAD_FIELD]: { type: 'string', contentMediaType: 'application/octet-stream', description: 'The .ipynb, or a .zip with one notebook and its model files' } },
          },
        },
      },
    };
  }
  return { required: true, content: { 'application/json': { schema: jsonSchema(body, 'input') } } };
}

function operation(route: RouteDoc): JsonSchema {
  const responses: JsonSchema = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    responses[status] = {
      description: doc.description,
      ...(doc.schema || doc.contentType
        ? { content: { [doc.contentType ?? 'application/json']: doc.schema ? { schema: jsonSchema(doc.schema, 'output') } : {} } }
        : {}),
    };
  }
  if (route.roles.length > 0) {
    responses['401'] = { description: 'No token, or an unknown or revoked one', content: { 'application/json': { schema: jsonSchema(ErrorBodySchema, 'output') } } };
    responses['403'] ??= { description: `The token's role is not ${route.roles.join(' or ')}`, content: { 'application/json': { schema: jsonSchema(ErrorBodySchema, 'output') } } };
  }
  const body = requestBody(route.body);
  return {
    summary: route.summary,
    ...(route.roles.length > 0 ? { security: [{ bearer: [] }], 'x-roles': route.roles } : { security: [] }),
    parameters: [...parameters('path', route.params), ...parameters('query', route.query)],
    ...(body ? { requestBody: body } : {}),
    responses,
  };
}

export function openApiDocument(): JsonSchema {
  const paths: Record<string, JsonSchema> = {};
  for (const route of ROUTES) {
    paths[route.path] = { ...(paths[route.path] ?? {}), [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Notebook autograder',
      version: graderVersion(),
      description: 'Upload notebooks, read grade reports; instructors manage policies and regrades; workers fetch uploads and record results. Every error is JSON {"error", "detail"}.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token from "autograder tokens create"' } } },
    paths,
  };
}
