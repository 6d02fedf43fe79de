/**
 * The sandbox image: its tag (a hash of its inputs, computed by
 * docker/sandbox/image-tag.sh, the one definition) and building it when missing.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Config } from '../config.js';
import { PlatformError } from '../errors.js';
import { findPackageRoot } from '../package-root.js';

export type SandboxBuildMode = 'offline' | 'registry';

const BUILD_SCRIPTS: Record<SandboxBuildMode, string> = {
  offline: 'build-offline.sh',
  registry: 'build-registry.sh',
};
const DEFAULT_SOCKET = '/var/run/docker.sock';

function sandboxDockerDir(): string {
  return join(findPackageRoot(), 'docker', 'sandbox');
}

/** `autograder-sandbox:<hash of packages.txt, Dockerfiles, launcher, harness>`. */
export async function sandboxImageTag(): Promise<string> {
  const script = join(sandboxDockerDir(), 'image-tag.sh');
  try {
    const { stdout } = await promisify(execFile)('bash', [script]);
    return stdout.trim();
  } catch (e) {
    throw new PlatformError('SANDBOX_TAG_FAILED', `could not compute the sandbox image tag with ${script}: ${(e as Error).message}`, { cause: e });
  }
}

/** The configured image, or the tag of the image built from this checkout. */
export async function resolveSandboxImage(config: Pick<Config, 'sandboxImage'>): Promise<string> {
  return config.sandboxImage || sandboxImageTag();
}

export interface EnsureSandboxImageOptions {
  /** Each progress line of the build (debootstrap, docker import, docker build). */
  onProgress?: (line: string) => void;
  /** registry: from docker/sandbox/Dockerfile (config.sandboxBuild). @defaultValue offline */
  mode?: SandboxBuildMode;
  /** The engine to build on. @defaultValue /var/run/docker.sock */
  dockerSocket?: string;
  signal?: AbortSignal;
}

export interface EnsuredImage {
  image: string;
  mode: SandboxBuildMode;
  wallMs: number;
}

/**
 * Builds whatever of the sandbox image is missing and returns its tag. Idempotent: with
 * the image present it only checks (well under a second); with the debootstrap rootfs
 * cached (/var/cache/autograder) it skips the download.
 */
export async function ensureSandboxImage(options: EnsureSandboxImageOptions = {}): Promise<EnsuredImage> {
  const mode = options.mode ?? 'offline';
  const script = join(sandboxDockerDir(), BUILD_SCRIPTS[mode]);
  const env = { ...process.env };
  if (options.dockerSocket && options.dockerSocket !== DEFAULT_SOCKET) env.DOCKER_HOST = `unix://${options.dockerSocket}`;
  const started = Date.now();
  const child = spawn('bash', [script], { env, stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
  const recent: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    options.onProgress?.(line);
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const exit = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  if (exit.error || exit.code !== 0) {
    const why = exit.error ? exit.error.message : `exit status ${exit.code}`;
    throw new PlatformError(
      'SANDBOX_BUILD_FAILED',
      `building the sandbox image (${script}) failed: ${why}\n${recent.join('\n')}`,
      { cause: exit.error },
    );
  }
  const image = stdout.trim().split('\n').pop() ?? '';
  if (!image) throw new PlatformError('SANDBOX_BUILD_FAILED', `${script} printed no image tag`);
  return { image, mode, wallMs: Date.now() - started };
}
