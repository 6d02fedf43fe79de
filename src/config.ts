/**
 * All settings, one zod schema, parsed once from the environment (STYLE.md practice 10).
 * Every key has a default; `loadConfig(env)` is pure so tests can build their own.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { TENSOR_BACKENDS } from '../reference/backend-names.js';
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

export const LogLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof LogLevelSchema>;
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

export const ConfigSchema = z.object({
  /** Which sandbox runs student code. `auto`: docker when the engine and image answer, else process. */
  sandbox: z.enum(['auto', 'docker', 'process']).default('auto'),
  /** The interpreter of the process sandbox. @defaultValue /usr/bin/python3 when present */
  python: z.string().min(1).default(defaultPython),
  /**
   * With NODE_ENV=production the process sandbox runs only when this is true
   * (AUTOGRADER_ALLOW_PROCESS_SANDBOX=true exactly). @defaultValue false
   */
  allowProcessSandbox: z.boolean().default(false),
  sandboxLimits: SandboxLimitsSchema.default(() => SandboxLimitsSchema.parse({})),
  /** Docker image of the sandbox; empty: the tag computed from the image's inputs. */
  sandboxImage: z.string().default(''),
  /** Docker daemon socket. @defaultValue /var/run/docker.sock */
  dockerSocket: z.string().default('/var/run/docker.sock'),
  /** GPUs handed to a GPU assignment's container (-1: all). @defaultValue 1 */
  gpuCount: int().default(1),
  /**
   * Pre-started sandbox containers (kernel up, waiting for a request) kept warm per worker, so
   * container and kernel start are off a job's critical path; each serves one submission.
   * 0 turns the pool off. @defaultValue a worker: its concurrency; `grade`/`import`: 0
   */
  sandboxPoolSize: int().nonnegative().optional(),
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
  /** Jobs one worker grades at once; 0: from the machine (see worker/concurrency.ts). @defaultValue 0 */
  workerConcurrency: int().nonnegative().default(0),
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
  logLevel: LogLevelSchema.default(DEFAULT_LOG_LEVEL),
  /** The token `submit`, `status` and `regrade` present to the API. */
  apiToken: z.string().default(''),
  /** The admin token `serve` creates at first start; empty: a random one. */
  adminToken: z.string().default(''),
  /** How `autograder sandbox build` builds the image: offline (debootstrap) or from the registry. @defaultValue offline */
  sandboxBuild: z.enum(['offline', 'registry']).default('offline'),
  /** The TensorFlow.js backend of the references; auto: the first that starts. @defaultValue auto */
  tensorBackend: z.enum(['auto', ...TENSOR_BACKENDS]).default('auto'),
  /**
   * Key that encrypts LMS integration secrets and our LTI signing key at rest (AES-256-GCM):
   * 32 bytes as 64 hex digits or base64. Empty: a key generated once in `<dataDir>/lms-secret.key`.
   */
  lmsSecretKey: z.string().default(''),
  /** A folder of assignment folders (each with an assignment.yaml) served beside the built-in ones; empty: none. */
  assignmentsDir: z.string().default(''),
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
  AUTOGRADER_LMS_KEY: 'lmsSecretKey',
  NODE_ENV: 'environment',
  AUTOGRADER_TOKEN: 'apiToken',
  AUTOGRADER_ADMIN_TOKEN: 'adminToken',
  AUTOGRADER_SANDBOX_BUILD: 'sandboxBuild',
  AUTOGRADER_TENSOR_BACKEND: 'tensorBackend',
  ASSIGNMENTS_DIR: 'assignmentsDir',
} as const satisfies Record<string, keyof Config>;

const LIMIT_ENV_KEYS = {
  SANDBOX_MEMORY_MB: 'memoryMb',
  SANDBOX_CPUS: 'cpus',
  SANDBOX_PIDS: 'pids',
  SANDBOX_CELL_TIMEOUT_S: 'cellTimeoutS',
  SANDBOX_TOTAL_TIMEOUT_S: 'totalTimeoutS',
  SANDBOX_CALL_TIMEOUT_S: 'callTimeoutS',
} as const satisfies Record<string, keyof SandboxLimits>;

const SECRET_KEYS: ReadonlySet<keyof Config> = new Set(['workerToken', 'databaseUrl', 'apiToken', 'adminToken', 'lmsSecretKey']);

/**
 * Only `true` turns the flag on: running student code without isolation must be asked for
 * in so many words, so an empty or misspelt value leaves it off. Anything but true/false is
 * refused rather than guessed at.
 */
function parseAllowFlag(value: string): boolean | string {
  const v = value.trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const raw: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined) continue;
    if (key === 'allowProcessSandbox') raw[key] = parseAllowFlag(value);
    else if (value !== '') raw[key] = value;
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

/**
 * LOG_LEVEL alone, for loggers made before (or without) the whole config; a bad value
 * falls back to the default here and is reported by loadConfig.
 */
export function logLevelFrom(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const parsed = LogLevelSchema.safeParse(env.LOG_LEVEL);
  return parsed.success ? parsed.data : DEFAULT_LOG_LEVEL;
}

/** The config with secrets replaced, for logs. */
export function redactConfig(config: Config): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, SECRET_KEYS.has(k as keyof Config) && v ? '<redacted>' : v]),
  );
}
