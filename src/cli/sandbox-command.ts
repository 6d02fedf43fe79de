import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ensureSandboxImage } from '../sandbox/image.js';
import { ExitCode } from './exit-codes.js';

/** `autograder sandbox build`: builds the sandbox image if it is missing; progress on stderr. */
export async function sandboxBuildCommand(config: Config, logger: Logger): Promise<number> {
  const started = Date.now();
  let lines = 0;
  const built = await ensureSandboxImage({
    dockerSocket: config.dockerSocket,
    mode: config.sandboxBuild,
    onProgress: (line) => {
      lines++;
      const elapsed = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
      process.stderr.write(`[${elapsed}s] ${line}\n`);
    },
  });
  logger.info({ image: built.image, mode: built.mode, wallMs: built.wallMs, lines }, 'sandbox image ready');
  process.stdout.write(`${built.image}\n`);
  return ExitCode.ok;
}
