/**
 * Which sandbox runs student code: `docker` (isolation), `process` (none, development),
 * or `auto`: docker when the engine answers and the image is there. Only a local one-shot
 * command (`grade`, `import`) may then fall back to the process sandbox, saying so on
 * stderr; the service (`serve`, `worker`) refuses to start instead, so student code never
 * runs without isolation unless the process sandbox was asked for by name.
 */
import { hostname } from 'node:os';
import type { Config } from '../config.js';
import { PlatformError, coerceError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import { DockerSandboxClient } from './docker/client.js';
import { DockerSandbox } from './docker/docker-sandbox.js';
import { resolveSandboxImage } from './image.js';
import { createProcessSandbox } from './process-sandbox.js';
import type { Sandbox } from './sandbox.js';

/** A daemon that takes longer than this to answer a ping counts as not answering. */
const PING_TIMEOUT_MS = 5_000;

export type EngineStatus =
  | { ok: true; image: string; why: '' }
  | { ok: false; code: 'DOCKER_UNAVAILABLE' | 'SANDBOX_IMAGE_MISSING'; why: string };

type EngineConfig = Pick<Config, 'dockerSocket' | 'sandboxImage'>;

/** Whether the Docker engine answers and the sandbox image exists, and if not, why. */
export async function dockerEngineStatus(config: EngineConfig, logger?: Logger): Promise<EngineStatus> {
  const client = new DockerSandboxClient(config.dockerSocket, logger ?? createLogger('silent'));
  try {
    await withTimeout(client.ping(), PING_TIMEOUT_MS);
  } catch (e) {
    return {
      ok: false,
      code: 'DOCKER_UNAVAILABLE',
      why: `the Docker engine at ${config.dockerSocket} does not answer (${coerceError(e).message})`,
    };
  }
  const image = await resolveSandboxImage(config);
  if (!(await client.imageExists(image))) {
    return { ok: false, code: 'SANDBOX_IMAGE_MISSING', why: `sandbox image ${image} is missing; run \`autograder sandbox build\`` };
  }
  return { ok: true, image, why: '' };
}

export interface CreateSandboxOptions {
  /** Overrides config.sandbox (e.g. `grade --sandbox docker`). */
  prefer?: Config['sandbox'];
  /**
   * Labels this worker's containers; a worker removes its own leftovers at start.
   * Give each worker sharing one Docker engine its own id. @defaultValue the host name
   */
  workerId?: string;
  /**
   * With `auto` and no usable Docker engine, use the process sandbox (with a warning on
   * stderr) instead of failing. For commands a developer runs on their own machine only,
   * never for the service. @defaultValue false
   */
  fallBackToProcess?: boolean;
  /** Warm Docker containers when config.sandboxPoolSize is unset. @defaultValue 0 */
  defaultPoolSize?: number;
}

export async function createSandbox(config: Config, logger: Logger, options: CreateSandboxOptions = {}): Promise<Sandbox> {
  const choice = options.prefer ?? config.sandbox;
  if (choice === 'process') return createProcessSandbox(config, logger);
  const status = await dockerEngineStatus(config, logger);
  if (!status.ok) {
    if (choice === 'docker') throw new PlatformError(status.code, status.why);
    if (!options.fallBackToProcess) {
      throw new PlatformError(
        status.code,
        `${status.why}; the service does not fall back to the process sandbox, which is NOT isolation `
          + '(to run student code unisolated anyway, ask for it by name: AUTOGRADER_SANDBOX=process)',
      );
    }
    const sandbox = createProcessSandbox(config, logger);
    process.stderr.write(`warning: ${status.why}; falling back to the process sandbox, which is NOT isolation\n`);
    return sandbox;
  }
  return DockerSandbox.open({
    client: new DockerSandboxClient(config.dockerSocket, logger.child({ component: 'docker' })),
    log: logger.child({ sandbox: 'docker' }),
    image: status.image,
    limits: config.sandboxLimits,
    gpuCount: config.gpuCount,
    poolSize: config.sandboxPoolSize ?? options.defaultPoolSize ?? 0,
    workerId: options.workerId ?? hostname(),
  });
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
