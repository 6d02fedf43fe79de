/**
 * The real Docker engine for sandbox tests: whether it answers (a failure under CI, a
 * visible skip elsewhere), the sandbox image built if missing, and sandboxes with a
 * worker id of their own so each suite sees only its own containers.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig, type SandboxLimits } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { DockerSandboxClient } from '../../src/sandbox/docker/client.js';
import { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.js';
import { ensureSandboxImage } from '../../src/sandbox/image.js';
import { dockerEngineStatus } from '../../src/sandbox/select.js';
import { requireService } from './services.js';
import { TEST_LIMITS } from './sandbox-jobs.js';

export const testConfig = loadConfig({ ...process.env, AUTOGRADER_SANDBOX: 'docker' });
export const silent = createLogger(process.env.LOG_LEVEL ?? 'silent');

/** Whether the engine answers; the image is not needed yet (beforeAll builds it). */
export async function dockerEngineAnswers(): Promise<boolean> {
  const status = await dockerEngineStatus(testConfig);
  const up = status.ok || status.code === 'SANDBOX_IMAGE_MISSING';
  return requireService('Docker engine', up, status.why);
}

/** The sandbox image for this checkout; builds what is missing (a few seconds with the rootfs cached). */
export async function testImage(): Promise<string> {
  const status = await dockerEngineStatus(testConfig);
  if (status.ok) return status.image;
  const built = await ensureSandboxImage({ dockerSocket: testConfig.dockerSocket, mode: 'offline' });
  return built.image;
}

export function newWorkerId(): string {
  return `test-${randomBytes(4).toString('hex')}`;
}

export interface TestSandboxOptions {
  image: string;
  workerId?: string;
  poolSize?: number;
  graceS?: number;
  limits?: Partial<SandboxLimits>;
}

export async function openTestSandbox(options: TestSandboxOptions): Promise<{ sandbox: DockerSandbox; workerId: string; client: DockerSandboxClient }> {
  const workerId = options.workerId ?? newWorkerId();
  const client = new DockerSandboxClient(testConfig.dockerSocket, silent);
  const sandbox = await DockerSandbox.open({
    client,
    log: silent,
    image: options.image,
    limits: { ...TEST_LIMITS, ...options.limits },
    gpuCount: 1,
    poolSize: options.poolSize ?? 0,
    workerId,
    graceS: options.graceS,
  });
  return { sandbox, workerId, client };
}
