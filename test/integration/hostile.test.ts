/**
 * Hostile notebooks against the Docker sandbox on the real engine, one fixture per
 * attack (test/fixtures/hostile/*.ipynb, written by generate.py). Each defines a correct
 * `softmax` first and attacks in its second cell. For every attack: the attack's cell
 * fails (or the run ends as timeout/oom), `softmax` still returns the right values where
 * the attack leaves the kernel usable, the host and the engine are unaffected, and no
 * container or volume of ours is left.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeArray } from '../../src/sandbox/arrays.js';
import type { DockerSandbox } from '../../src/sandbox/docker/docker-sandbox.js';
import type { DockerSandboxClient } from '../../src/sandbox/docker/client.js';
import type { CallResult, CellStatus, FunctionCall } from '../../src/sandbox/protocol.js';
import type { SandboxOutcome, SandboxRun } from '../../src/sandbox/sandbox.js';
import { dockerEngineAnswers, openTestSandbox, testImage } from '../helpers/docker-sandbox.js';
import { expectSoftmaxCorrect, jobFromFile, labelledContainers, labelledVolumes, softmaxCall } from '../helpers/sandbox-jobs.js';

const available = await dockerEngineAnswers();
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'hostile');

interface Attack {
  fixture: string;
  /** Statuses the attack's own cell (index 1) may end with. */
  attackCell: CellStatus[];
  /** How the run as a whole may end. @defaultValue ['completed'] */
  outcomes?: SandboxOutcome[];
  /** The kernel survives the attack (or is restarted with the notebook replayed): softmax must be right. */
  softmaxSurvives: boolean;
  extraCalls?: FunctionCall[];
  check?: (run: SandboxRun, calls: Map<string, CallResult>) => void;
}

const call = (id: string, fn: string): FunctionCall => ({ id, fn, arrayType: 'numpy', args: [] });
const callWithLogits = (id: string, fn: string): FunctionCall => ({ ...softmaxCall(id), fn });

const ATTACKS: Attack[] = [
  { fixture: 'infinite-loop', attackCell: ['timeout'], softmaxSurvives: true },
  {
    // Stops at the PID limit; the harness kills the kernel's process group, forks included,
    // and replays the notebook in a new kernel.
    fixture: 'fork-bomb', attackCell: ['timeout', 'error', 'kernel_died'], outcomes: ['completed', 'timeout', 'oom'],
    softmaxSurvives: true,
  },
  {
    fixture: 'memory-hog', attackCell: ['kernel_died', 'error'], outcomes: ['completed', 'oom'], softmaxSurvives: true,
    check: (run) => {
      if (run.outcome === 'completed') expect(run.response?.kernelRestarts).toBeGreaterThanOrEqual(1);
    },
  },
  {
    fixture: 'network', attackCell: ['error'], softmaxSurvives: true,
    extraCalls: [call('net#1', 'network_probe')],
    check: (_run, calls) => {
      const probe = calls.get('net#1');
      expect(probe?.status, JSON.stringify(probe)).toBe('ok');
      if (probe?.status === 'ok') expect([...decodeArray(probe.value).values]).toEqual([1, 1]); // DNS failed, connect failed
    },
  },
  {
    fixture: 'write-outside-workdir', attackCell: ['error'], softmaxSurvives: true,
    check: () => expect(existsSync('/etc/autograder-pwned')).toBe(false),
  },
  {
    // 300 MB through print, sys.stderr and raw fds 1 and 2. The harness drops messages too
    // large to hold and fails the cell with OutputLimitExceeded; the run itself completes.
    fixture: 'huge-output', attackCell: ['error', 'timeout', 'kernel_died'], softmaxSurvives: true,
  },
  { fixture: 'docker-socket', attackCell: ['error'], softmaxSurvives: true },
  { fixture: 'kill-own-kernel', attackCell: ['kernel_died'], softmaxSurvives: true },
  { fixture: 'silenced-traceback', attackCell: ['error'], softmaxSurvives: true },
  {
    // Rewrites every JSON file it can reach, writes forged responses to every stdio it can
    // open and SIGSTOPs whatever is not its own, for two minutes. The harness's response
    // is what counts, and the run ends when the harness does.
    fixture: 'background-forger', attackCell: ['error'], softmaxSurvives: true,
    check: (run) => expect(run.response?.cells.map((c) => c.index)).toEqual([0, 1, 2]),
  },
  { fixture: 'sys-exit', attackCell: ['error', 'kernel_died'], softmaxSurvives: true },
  { fixture: 'sleep-past-deadline', attackCell: ['timeout'], softmaxSurvives: true },
  {
    fixture: 'huge-array', attackCell: ['error'], softmaxSurvives: true,
    extraCalls: [callWithLogits('huge#1', 'huge')],
    check: (_run, calls) => expect(calls.get('huge#1')?.status).toBe('refused'),
  },
  {
    fixture: 'always-equal', attackCell: ['error'], softmaxSurvives: true,
    extraCalls: [callWithLogits('cheat#1', 'cheat')],
    check: (_run, calls) => expect(calls.get('cheat#1')?.status).toBe('refused'),
  },
];

describe.skipIf(!available)('hostile notebooks in the Docker sandbox', () => {
  let sandbox: DockerSandbox;
  let client: DockerSandboxClient;
  let workerId: string;

  beforeAll(async () => {
    const image = await testImage();
    ({ sandbox, client, workerId } = await openTestSandbox({ image }));
  }, 600_000);

  afterAll(async () => {
    await sandbox?.close();
  });

  afterEach(async () => {
    // The host and its engine are unaffected, and nothing of the run is left.
    await client.ping();
    expect(execFileSync('sh', ['-c', 'echo host-ok']).toString().trim()).toBe('host-ok');
    expect(labelledContainers(workerId)).toEqual([]);
    expect(labelledVolumes(workerId)).toEqual([]);
  });

  it('has one fixture per attack', () => {
    for (const attack of ATTACKS) expect(existsSync(join(FIXTURES, `${attack.fixture}.ipynb`)), attack.fixture).toBe(true);
  });

  it.each(ATTACKS.map((a) => [a.fixture, a] as const))('%s', async (_name, attack) => {
    const job = jobFromFile(join(FIXTURES, `${attack.fixture}.ipynb`), {
      calls: [softmaxCall(), ...(attack.extraCalls ?? [])],
    });
    const run = await sandbox.run(job);
    const context = `${attack.fixture}: ${run.outcome} ${run.detail ?? ''}\n${run.stderrTail.slice(-2000)}`;
    expect(attack.outcomes ?? ['completed'], context).toContain(run.outcome);
    if (run.outcome !== 'completed') return;
    const cells = run.response!.cells;
    expect(cells[0]?.status, context).toBe('ok');
    expect(attack.attackCell, `${context}\n${JSON.stringify(cells[1])}`).toContain(cells[1]?.status);
    if (attack.softmaxSurvives) {
      expectSoftmaxCorrect(run);
      expect(cells[2]?.status, `${context}\n${JSON.stringify(cells)}`).toBe('ok');
    }
    attack.check?.(run, new Map(run.response!.calls.map((c) => [c.id, c])));
  });
});
