/**
 * All settings, one zod schema, parsed once from the environment (STYLE.md practice 10).
 * Every key has a default; `loadConfig(env)` is pure so tests can build their own.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { UsageError } from './errors.js';

/** Debian's python3 has numpy, nbclient, ipykernel and torch; the pyenv one on PATH does not. */
function defaultPython(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** Host names may hold characters a Redis key or Docker label of ours does not take. */
function defaultWorkerId(): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 120) || 'worker';
}

const int = () => z.coerce.number().int();

export const SandboxLimitsSchema = z.object({
  /** @defaultValue 2048 (MiB; swap is set equal, so no swap is used) */
  memoryMb: int().positive().default(2048),
  /** @defaultValue 1 (CPUs) */
  cpus: z.coerce.number().positive().default(1),
  /** @defaultValue 256 */
  pids: int().positive().default(256),
  /** @defaultValue 30 (seconds per cell) */
  cellTimeoutS: z.coerce.number().positive().default(30),
  /** @defaultValue 300 (seconds for the whole notebook and calls) */
  totalTimeoutS: z.coerce.number().positive().default(300),
  /** @defaultValue 20 (seconds per function call) */
  callTimeoutS: z.coerce.number().positive().default(20),
  /** @defaultValue 8 MiB (largest value one function call may return) */
  maxReturnBytes: int().positive().default(8 * 1024 * 1024),
  /** @defaultValue 16 MiB (harness stdout read before it is cut off) */
  maxResponseBytes: int().positive().default(16 * 1024 * 1024),
  /** @defaultValue 64 MiB (work directory tmpfs in the container) */
  workDirMb: int().positive().default(64),
});
export type SandboxLimits = z.infer<typeof SandboxLimitsSchema>;

export const ConfigSchema = z.object({
  /** Which sandbox runs student code. `auto`: docker when the engine and image answer, else process. */
  sandbox: z.enum(['auto', 'docker', 'process']).default('auto'),
  /** The interpreter of the process sandbox. @defaultValue /usr/bin/python3 when present */
  python: z.string().min(1).default(defaultPython),
  /** Production refuses the process sandbox unless this is set. @defaultValue false */
  allowProcessSandbox: z.boolean().default(true),
  sandboxLimits: SandboxLimitsSchema.default(() => SandboxLimitsSchema.parse({})),
  /** Docker image of the sandbox; empty: the tag computed from the image's inputs. */
  sandboxImage: z.string().default(''),
  /** Docker daemon socket. @defaultValue /var/run/docker.sock */
  dockerSocket: z.string().default('/var/run/docker.sock'),
  /** GPUs handed to a GPU assignment's container (-1: all). @defaultValue 1 */
  gpuCount: int().default(1),
  /** Pre-started sandbox containers kept warm per worker. @defaultValue 0 */
  sandboxPoolSize: int().nonnegative().default(0),
  /** Where the embedded store keeps its files. @defaultValue ./.data */
  dataDir: z.string().default('.data'),
  /** PostgreSQL URL; empty: SQLite under dataDir. */
  databaseUrl: z.string().default(''),
  /** @defaultValue redis://127.0.0.1:6379 */
  redisUrl: z.string().default('redis://127.0.0.1:6379'),
  /** @defaultValue 3000 */
  port: int().min(0).max(65535).default(3000),
  /** URL workers use to reach the API. @defaultValue http://127.0.0.1:3000 */
  apiUrl: z.string().default('http://127.0.0.1:3000'),
  /** The token a worker presents to the API (role worker). */
  workerToken: z.string().default(''),
  /** Jobs one worker grades at once. @defaultValue 1 */
  workerConcurrency: int().positive().default(1),
  /**
   * Names a worker in heartbeats and on its sandbox containers. Stable across restarts, so a
   * restarted worker removes its own leftover containers; give each worker sharing one
   * Docker engine its own. @defaultValue the host name
   */
  workerId: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/, 'letters, digits, dot, dash and underscore').default(defaultWorkerId),
  /** Whether a worker takes GPU assignments (queue `grading-gpu`); auto: when an NVIDIA device is present. @defaultValue auto */
  workerGpu: z.enum(['auto', 'yes', 'no']).default('auto'),
  /**
   * How long a worker's claim on a job lasts without renewal (renewed at half this). A killed
   * worker's job is picked up by another worker after one to two times this. @defaultValue 30000 (ms)
   */
  workerLockMs: int().min(1000).default(30_000),
  /** On SIGTERM, how long running jobs may go on before they are handed back to the queue. @defaultValue 60 (s) */
  workerShutdownGraceS: z.coerce.number().nonnegative().default(60),
  /** @defaultValue info */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** production / development. In production the process sandbox needs allowProcessSandbox. */
  environment: z.enum(['development', 'production', 'test']).default('development'),
});
export type Config = z.infer<typeof ConfigSchema>;

/** Environment variable → config key. Only these are read. */
const ENV_KEYS = {
  AUTOGRADER_SANDBOX: 'sandbox',
  AUTOGRADER_PYTHON: 'python',
  AUTOGRADER_ALLOW_PROCESS_SANDBOX: 'allowProcessSandbox',
  AUTOGRADER_SANDBOX_IMAGE: 'sandboxImage',
  DOCKER_SOCKET: 'dockerSocket',
  AUTOGRADER_GPU_COUNT: 'gpuCount',
  AUTOGRADER_SANDBOX_POOL: 'sandboxPoolSize',
  DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  REDIS_URL: 'redisUrl',
  PORT: 'port',
  API_URL: 'apiUrl',
  WORKER_TOKEN: 'workerToken',
  WORKER_CONCURRENCY: 'workerConcurrency',
  WORKER_ID: 'workerId',
  WORKER_GPU: 'workerGpu',
  WORKER_LOCK_MS: 'workerLockMs',
  WORKER_SHUTDOWN_GRACE_S: 'workerShutdownGraceS',
  LOG_LEVEL: 'logLevel',
  NODE_ENV: 'environment',
} as const satisfies Record<string, keyof Config>;

const LIMIT_ENV_KEYS = {
  SANDBOX_MEMORY_MB: 'memoryMb',
  SANDBOX_CPUS: 'cpus',
  SANDBOX_PIDS: 'pids',
  SANDBOX_CELL_TIMEOUT_S: 'cellTimeoutS',
  SANDBOX_TOTAL_TIMEOUT_S: 'totalTimeoutS',
  SANDBOX_CALL_TIMEOUT_S: 'callTimeoutS',
} as const satisfies Record<string, keyof SandboxLimits>;

const SECRET_KEYS: ReadonlySet<keyof Config> = new Set(['workerToken', 'databaseUrl']);

function parseBoolean(v: string): boolean {
  return ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const raw: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[key] = key === 'allowProcessSandbox' ? parseBoolean(value) : value;
  }
  if (raw.environment === 'production' && env.AUTOGRADER_ALLOW_PROCESS_SANDBOX === undefined) {
    raw.allowProcessSandbox = false;
  }
  const limits: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(LIMIT_ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') limits[key] = value;
  }
  raw.sandboxLimits = limits;
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new UsageError('BAD_CONFIG', `invalid configuration: ${detail}`);
  }
  return Object.freeze(parsed.data);
}

/** The config with secrets replaced, for logs. */
export function redactConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, SECRET_KEYS.has(k as keyof Config) && v ? '<redacted>' : v]),
  );
}
