/**
 * The tokens a fresh embedded deployment needs before anyone can call the API: an admin
 * token for the person who started it and a worker token for the in-process worker.
 *
 * The store keeps only token hashes, so a token can be shown once: at first start an admin
 * user is created and its token printed; later starts print none (make more with
 * `autograder tokens create`). Which users were made at first start is remembered in
 * `<dataDir>/bootstrap.json` (user ids only, no secret); if that file names users the
 * database does not have (a new database), the deployment counts as fresh again.
 *
 * Tokens given in the environment (AUTOGRADER_ADMIN_TOKEN, WORKER_TOKEN) are used
 * instead, after checking that the store knows them with the right role.
 *
 * Without an in-process worker (`serve --no-worker`) no worker token is made at all: a
 * live worker token nobody asked for is one more secret that could leak.
 */
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError, coerceError } from '../errors.js';
import type { Role } from '../store/rows.js';
import type { Store } from '../store/store.js';

const BootstrapFileSchema = z.object({ adminUserId: z.string(), workerUserId: z.string() });
type BootstrapFile = z.infer<typeof BootstrapFileSchema>;
export const BOOTSTRAP_FILE = 'bootstrap.json';

export interface BootstrapTokens {
  /** Set only when it was created just now (first start) or given in the environment. */
  adminToken: string | undefined;
  /** True when the admin token was created by this start and must be shown to the operator. */
  adminTokenIsNew: boolean;
  /** For workers on other machines; created (and to be shown) at first start only. */
  remoteWorkerToken: string | undefined;
  /** The in-process worker's token: the one from the environment, or one for this run only; none without an in-process worker. */
  workerToken: string | undefined;
  /** True when `workerToken` was made for this run; revoke it when the run ends. */
  workerTokenIsEphemeral: boolean;
}

export interface BootstrapOptions {
  store: Store;
  dataDir: string;
  /** A token from the environment for the admin; checked, never created. */
  adminToken?: string;
  /** A token from the environment for the worker; checked, never created. */
  workerToken?: string;
  /** Whether this process runs a worker; false creates no worker token. @defaultValue true */
  worker?: boolean;
}

export async function bootstrapTokens(options: BootstrapOptions): Promise<BootstrapTokens> {
  const { store } = options;
  if (options.adminToken) await expectRole(store, options.adminToken, ['admin', 'instructor'], 'AUTOGRADER_ADMIN_TOKEN');
  if (options.workerToken) await expectRole(store, options.workerToken, ['worker'], 'WORKER_TOKEN');

  let known = await readBootstrapFile(options.dataDir);
  if (known && ((await store.getUser(known.adminUserId)) === undefined || (await store.getUser(known.workerUserId)) === undefined)) {
    known = undefined;
  }
  let adminToken = options.adminToken;
  let adminTokenIsNew = false;
  let remoteWorkerToken: string | undefined;
  if (!known) {
    const admin = await store.createUser({ role: 'admin', name: 'admin' });
    const worker = await store.createUser({ role: 'worker', name: 'embedded worker' });
    known = { adminUserId: admin.id, workerUserId: worker.id };
    if (!adminToken) {
      adminToken = await store.createToken(admin.id);
      adminTokenIsNew = true;
      if (options.worker !== false) remoteWorkerToken = await store.createToken(worker.id);
    }
    await writeBootstrapFile(options.dataDir, known);
  }
  if (options.worker === false) return { adminToken, adminTokenIsNew, remoteWorkerToken, workerToken: undefined, workerTokenIsEphemeral: false };
  if (options.workerToken) return { adminToken, adminTokenIsNew, remoteWorkerToken, workerToken: options.workerToken, workerTokenIsEphemeral: false };
  // Lives only in this process's memory and is revoked when the service stops.
  const workerToken = await store.createToken(known.workerUserId);
  return { adminToken, adminTokenIsNew, remoteWorkerToken, workerToken, workerTokenIsEphemeral: true };
}

async function expectRole(store: Store, token: string, roles: readonly Role[], variable: string): Promise<void> {
  const user = await store.authenticate(token);
  if (user === undefined) {
    throw new UsageError('UNKNOWN_TOKEN', `${variable} is not a token this server issued (or it was revoked); create one with \`autograder tokens create --role ${roles[0]} --name <name>\``);
  }
  if (!roles.includes(user.role)) {
    throw new UsageError('WRONG_ROLE', `${variable} belongs to a ${user.role}; it must be a ${roles.join(' or ')} token`);
  }
}

async function readBootstrapFile(dataDir: string): Promise<BootstrapFile | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, BOOTSTRAP_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return BootstrapFileSchema.parse(JSON.parse(text));
  } catch (e) {
    throw new UsageError('BAD_BOOTSTRAP_FILE', `${join(dataDir, BOOTSTRAP_FILE)} is damaged (${coerceError(e).message}); delete it to create a new admin token at the next start`);
  }
}

async function writeBootstrapFile(dataDir: string, file: BootstrapFile): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const target = join(dataDir, BOOTSTRAP_FILE);
  await writeFile(`${target}.tmp`, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await rename(`${target}.tmp`, target);
}
