/**
 * The sandbox image holds the course's library stack (src/sandbox/course-libraries.ts,
 * installed from docker/sandbox/packages.txt): one `docker run` imports them all, with no
 * network, as a course notebook would.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { COURSE_LIBRARIES } from '../../src/sandbox/course-libraries.js';
import { resolveSandboxImage } from '../../src/sandbox/image.js';
import { dockerSandboxAvailable } from '../helpers/docker.js';
import { requireService } from '../helpers/services.js';

describe('the sandbox image', async () => {
  const config = loadConfig({ ...process.env, AUTOGRADER_SANDBOX: 'docker' });
  const availability = await dockerSandboxAvailable(config);
  const run = requireService('Docker sandbox', availability.ok, availability.why);

  it.runIf(run)("imports every library of the course's stack", async () => {
    const image = await resolveSandboxImage(config);
    const script = [
      'import importlib, matplotlib',
      "matplotlib.use('Agg')",
      `mods = ${JSON.stringify(COURSE_LIBRARIES.map((l) => l.module))}`,
      'for m in mods: importlib.import_module(m)',
      'import matplotlib.pyplot, torchvision.transforms, sklearn.linear_model, PIL.Image',
      "print('imported', len(mods))",
    ].join('\n');
    const out = execFileSync('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'python3', image, '-c', script], { encoding: 'utf8', timeout: 120_000 });
    expect(out.trim()).toBe(`imported ${COURSE_LIBRARIES.length}`);
  }, 180_000);
});
