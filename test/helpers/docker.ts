import type { Config } from '../../src/config.js';
import { dockerEngineStatus } from '../../src/sandbox/select.js';

/** Whether the Docker engine answers and the sandbox image exists. */
export async function dockerSandboxAvailable(config: Config): Promise<{ ok: boolean; why: string }> {
  const status = await dockerEngineStatus(config);
  return status.ok ? { ok: true, why: '' } : { ok: false, why: status.why };
}
