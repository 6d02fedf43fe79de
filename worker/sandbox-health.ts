/**
 * Whether this worker's sandbox can run a notebook right now, for its heartbeat: the API
 * never touches a sandbox itself, so /healthz learns it from here.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Config } from '../src/config.js';
import { coerceError } from '../src/errors.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { resolveSandboxImage } from '../src/sandbox/image.js';
import { dockerEngineStatus } from '../src/sandbox/select.js';

export interface SandboxHealth {
  ok: boolean;
  detail?: string;
}

const run = promisify(execFile);
/** Starting Python with these imports is what the process sandbox needs to work. */
const PYTHON_PROBE = 'import numpy, nbclient, ipykernel, nbformat';
const PYTHON_PROBE_TIMEOUT_MS = 30_000;
/** The interpreter does not come and go like a daemon: probing it once a minute is plenty. */
const PYTHON_PROBE_EVERY_MS = 60_000;

export function sandboxHealthProbe(sandbox: Sandbox, config: Pick<Config, 'dockerSocket' | 'sandboxImage' | 'python'>): () => Promise<SandboxHealth> {
  if (sandbox.kind === 'docker') {
    // Computing the image tag hashes the image's inputs: once is enough, as for the sandbox.
    let image: string | undefined;
    return async () => {
      // DockerSandbox sets this when a run outlived its watchdog: the engine hangs.
      const unhealthy = (sandbox as { unhealthy?: unknown }).unhealthy;
      if (typeof unhealthy === 'string') return { ok: false, detail: unhealthy };
      image ??= await resolveSandboxImage(config);
      const status = await dockerEngineStatus({ ...config, sandboxImage: image });
      return status.ok ? { ok: true } : { ok: false, detail: status.why };
    };
  }
  let last: { at: number; health: SandboxHealth } | undefined;
  return async () => {
    if (last && Date.now() - last.at < PYTHON_PROBE_EVERY_MS) return last.health;
    let health: SandboxHealth;
    try {
      await run(config.python, ['-c', PYTHON_PROBE], { timeout: PYTHON_PROBE_TIMEOUT_MS });
      health = { ok: true };
    } catch (e) {
      health = { ok: false, detail: `${config.python} cannot import what the harness needs: ${coerceError(e).message.slice(0, 500)}` };
    }
    last = { at: Date.now(), health };
    return health;
  };
}
