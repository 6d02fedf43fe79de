/**
 * The Docker sandbox against the real engine: a run end to end, the isolation a
 * notebook sees from inside, limits per job, the kill at the deadline, GPU jobs on a
 * machine without GPUs, aborts, the warm pool, leftovers, and backend selection.
 * After every test no container of ours is left.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeArray } from '../../src/sandbox/arrays.js';
import { containerSpec } from '../../src/sandbox/docker/container-spec.js';
import { reapLeftoverContainers } from '../../src/sandbox/docker/reaper.js';
import { createSandbox } from '../../src/sandbox/select.js';
import { dockerEngineAnswers, newWorkerId, openTestSandbox, silent, testConfig, testImage } from '../helpers/docker-sandbox.js';
import {
  SOFTMAX_SOURCE, TEST_LIMITS, expectSoftmaxCorrect, jobFor, labelledContainers, labelledVolumes, notebookJson, softmaxCall,
} from '../helpers/sandbox-jobs.js';

const available = await dockerEngineAnswers();

const PROBE_SOURCE = String.raw`
import os, signal
import numpy as np

def _status():
    return dict(line.split(':', 1) for line in open('/proc/self/status').read().splitlines() if ':' in line)

def _can_write(path):
    try:
        with open(path, 'w') as f:
            f.write('x')
        os.remove(path)
        return 1
    except OSError:
        return 0

def _memory_limit_mb():
    for path in ('/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory.max'):
        try:
            return int(open(path).read()) // (1024 * 1024)
        except (OSError, ValueError):
            pass
    return -1

def probe():
    status = _status()
    others = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            if os.stat('/proc/' + pid).st_uid != os.getuid():
                others.append(int(pid))
        except OSError:
            pass
    signals_refused = 1
    memory_refused = 1
    for pid in others:
        try:
            os.kill(pid, 0)
            signals_refused = 0
        except PermissionError:
            pass
        except ProcessLookupError:
            pass
        try:
            with open('/proc/%d/mem' % pid, 'rb') as f:
                f.read(1)
            memory_refused = 0
        except OSError:
            pass
    return np.array([
        os.getuid(),
        int(status['CapEff'].strip(), 16),
        int(status['CapPrm'].strip(), 16),
        int(status['CapAmb'].strip(), 16),
        int(status['NoNewPrivs'].strip()),
        len(others),
        signals_refused,
        memory_refused,
        _can_write('/etc/autograder-probe'),
        _can_write('/work/autograder-probe'),
        _can_write('/tmp/autograder-probe'),
        _can_write('/home/grader/autograder-probe'),
        _memory_limit_mb(),
        1 if os.path.exists('/var/run/docker.sock') else 0,
    ])
`;

const PROBE_FIELDS = [
  'uid', 'capEff', 'capPrm', 'capAmb', 'noNewPrivs', 'otherUserProcesses', 'signalsRefused', 'memoryRefused',
  'writesEtc', 'writesWork', 'writesTmp', 'writesGraderHome', 'memoryLimitMb', 'dockerSocket',
] as const;

function probeCall() {
  return { id: 'probe#1', fn: 'probe', arrayType: 'numpy' as const, args: [] };
}

describe.skipIf(!available)('DockerSandbox on the real engine', () => {
  let image: string;
  const workers: string[] = [];

  beforeAll(async () => {
    image = await testImage();
  }, 600_000);

  afterEach(() => {
    for (const worker of workers.splice(0)) {
      expect(labelledContainers(worker), `containers left by ${worker}`).toEqual([]);
      expect(labelledVolumes(worker), `volumes left by ${worker}`).toEqual([]);
    }
  });

  async function open(options: Omit<Parameters<typeof openTestSandbox>[0], 'image'> = {}) {
    const opened = await openTestSandbox({ image, ...options });
    workers.push(opened.workerId);
    return opened;
  }

  it('runs a notebook in a fresh container and returns the function values', async () => {
    const { sandbox } = await open();
    try {
      const run = await sandbox.run(jobFor(notebookJson([SOFTMAX_SOURCE, 'print("hello")'])));
      expectSoftmaxCorrect(run);
      expect(run.response?.cells.map((c) => c.status)).toEqual(['ok', 'ok']);
      expect(run.exitCode).toBe(0);
    } finally {
      await sandbox.close();
    }
  });

  it('runs student code as an unprivileged user that cannot touch the harness', async () => {
    const { sandbox } = await open({ limits: { memoryMb: 640 } });
    try {
      const run = await sandbox.run(jobFor(notebookJson([PROBE_SOURCE]), { calls: [probeCall()] }));
      expect(run.outcome, run.detail ?? run.stderrTail).toBe('completed');
      const call = run.response!.calls[0]!;
      expect(call.status, JSON.stringify(call)).toBe('ok');
      if (call.status !== 'ok') return;
      const values = [...decodeArray(call.value).values];
      const facts = Object.fromEntries(PROBE_FIELDS.map((name, i) => [name, values[i]]));
      expect(facts).toEqual({
        uid: 61001, // student, not grader (61000) and not root
        capEff: 0, capPrm: 0, capAmb: 0,
        noNewPrivs: 1,
        otherUserProcesses: facts.otherUserProcesses, // docker-init (root) and the harness (grader)
        signalsRefused: 1,
        memoryRefused: 1,
        writesEtc: 0, // read-only root
        writesWork: 1,
        writesTmp: 1,
        writesGraderHome: 0,
        memoryLimitMb: 640, // the per-job override
        dockerSocket: 0,
      });
      expect(facts.otherUserProcesses).toBeGreaterThanOrEqual(2);
    } finally {
      await sandbox.close();
    }
  });

  it('kills a container that runs past its wall-clock limit and reports a timeout', async () => {
    // The harness would allow 60 s per cell; the sandbox allows 2 s in all.
    const { sandbox } = await open({ graceS: 0, limits: { totalTimeoutS: 2 } });
    try {
      const job = jobFor(notebookJson([SOFTMAX_SOURCE, 'import time\ntime.sleep(60)']), { limits: { cellTimeoutS: 60, totalTimeoutS: 60 } });
      const run = await sandbox.run(job);
      expect(run.outcome).toBe('timeout');
      expect(run.response).toBeUndefined();
      expect(run.detail).toMatch(/wall-clock/);
    } finally {
      await sandbox.close();
    }
  });

  it('reports no_gpu for a GPU job on a machine without GPUs and removes the container', async () => {
    const { sandbox } = await open();
    try {
      const run = await sandbox.run(jobFor(notebookJson([SOFTMAX_SOURCE]), { gpu: true }));
      // On a GPU machine with the NVIDIA runtime this would complete instead.
      expect(['no_gpu', 'completed']).toContain(run.outcome);
      if (run.outcome === 'no_gpu') expect(run.detail).toBe('this assignment needs a GPU worker');
    } finally {
      await sandbox.close();
    }
  });

  it('stops and removes the container when the run is aborted', async () => {
    const { sandbox } = await open();
    try {
      const controller = new AbortController();
      const job = jobFor(notebookJson(['import time\ntime.sleep(30)']), { limits: { cellTimeoutS: 30 } });
      const running = sandbox.run(job, controller.signal);
      setTimeout(() => controller.abort(new Error('worker shutting down')), 1500);
      await expect(running).rejects.toThrow(/worker shutting down/);
    } finally {
      await sandbox.close();
    }
  });

  it('runs two submissions at once in separate containers', async () => {
    const { sandbox } = await open();
    try {
      // Each finds no file, writes its own mark, waits while the other runs, and finds its
      // own mark still there: a shared work directory fails one of the assertions.
      const write = (mark: string) =>
        'import os, time\n'
        + 'assert not os.path.exists("/work/mine.txt"), "found the other submission\'s file"\n'
        + `open("/work/mine.txt", "w").write("${mark}")\n`
        + 'time.sleep(2)\n'
        + `assert open("/work/mine.txt").read() == "${mark}", "the other submission overwrote my file"`;
      const runs = await Promise.all([
        sandbox.run(jobFor(notebookJson([SOFTMAX_SOURCE, write('a')]))),
        sandbox.run(jobFor(notebookJson([SOFTMAX_SOURCE, write('b')]))),
      ]);
      for (const run of runs) {
        expectSoftmaxCorrect(run);
        expect(run.response?.cells.map((c) => c.status)).toEqual(['ok', 'ok']);
      }
    } finally {
      await sandbox.close();
    }
  });

  it('serves jobs from warm containers, each used for one submission only', async () => {
    const { sandbox } = await open({ poolSize: 1 });
    try {
      await waitFor(() => sandbox.warmContainers === 1);
      // A file left by the first job must not exist for the second (fresh container each time).
      const leave = 'import os\nassert not os.path.exists("/work/left-behind")\nopen("/work/left-behind", "w").write("x")';
      const first = await sandbox.run(jobFor(notebookJson([SOFTMAX_SOURCE, leave])));
      expectSoftmaxCorrect(first);
      await waitFor(() => sandbox.warmContainers === 1);
      const second = await sandbox.run(jobFor(notebookJson([SOFTMAX_SOURCE, leave])));
      expectSoftmaxCorrect(second);
      expect(second.response?.cells.map((c) => c.status)).toEqual(['ok', 'ok']);
      // A job whose limits differ from the pool's gets a container of its own.
      const own = await sandbox.run({ ...jobFor(notebookJson([SOFTMAX_SOURCE])), limits: { memoryMb: 600 } });
      expectSoftmaxCorrect(own);
    } finally {
      await sandbox.close();
    }
  });

  it('removes leftover containers of its worker at start, and only those', async () => {
    const { client } = await openTestSandbox({ image });
    const mine = newWorkerId();
    const other = newWorkerId();
    workers.push(mine, other);
    const spec = (workerId: string) => containerSpec({
      image, workerId, limits: TEST_LIMITS, inputMb: 1, gpu: false, gpuCount: 1, pooled: false,
    });
    const leftover = await client.create(spec(mine));
    const foreign = await client.create(spec(other));
    try {
      expect(await reapLeftoverContainers(client, silent, { workerId: mine })).toBe(1);
      expect(labelledContainers(mine)).toEqual([]);
      expect(labelledContainers(other)).toEqual([foreign.slice(0, 12)]);
    } finally {
      await client.remove(leftover);
      await client.remove(foreign);
    }
  });
});

describe.skipIf(!available)('createSandbox', () => {
  it('fails clearly when docker is asked for and the engine does not answer', async () => {
    const config = { ...testConfig, sandbox: 'docker' as const, dockerSocket: '/nonexistent/docker.sock' };
    await expect(createSandbox(config, silent)).rejects.toThrow('the Docker engine at /nonexistent/docker.sock does not answer');
  });

  it('fails clearly when docker is asked for and the image is missing', async () => {
    const config = { ...testConfig, sandbox: 'docker' as const, sandboxImage: 'autograder-sandbox:does-not-exist' };
    await expect(createSandbox(config, silent)).rejects.toThrow(
      'sandbox image autograder-sandbox:does-not-exist is missing; run `autograder sandbox build`',
    );
  });

  it('falls back to the process sandbox under auto, for a local command, when the engine does not answer', async () => {
    const config = { ...testConfig, sandbox: 'auto' as const, dockerSocket: '/nonexistent/docker.sock' };
    const sandbox = await createSandbox(config, silent, { fallBackToProcess: true });
    try {
      expect(sandbox.kind).toBe('process');
    } finally {
      await sandbox.close();
    }
  });

  it('picks docker under auto when the engine and image are there', async () => {
    await testImage();
    const sandbox = await createSandbox({ ...testConfig, sandbox: 'auto', sandboxPoolSize: 0 }, silent, { workerId: newWorkerId() });
    try {
      expect(sandbox.kind).toBe('docker');
      expectSoftmaxCorrect(await sandbox.run(jobFor(notebookJson([SOFTMAX_SOURCE]), { calls: [softmaxCall()] })));
    } finally {
      await sandbox.close();
    }
  }, 600_000);
});

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const due = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > due) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
