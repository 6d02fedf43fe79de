/**
 * The process sandbox against the real harness and a real Jupyter kernel
 * (/usr/bin/python3 with numpy, ipykernel, nbclient and torch). Each describe block runs
 * one notebook once and asserts on its response; limits are short to keep this fast.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { decodeArray, encodeArray } from '../../src/sandbox/arrays.js';
import { ProcessSandbox } from '../../src/sandbox/process-sandbox.js';
import type { CallArg, CallResult, FunctionCall, HarnessLimits, HarnessRequest } from '../../src/sandbox/protocol.js';
import type { SandboxJob, SandboxRun } from '../../src/sandbox/sandbox.js';

const python = loadConfig({}).python;
const logger = createLogger('silent');
const limits = loadConfig({}).sandboxLimits;
const quick: HarnessLimits = { cellTimeoutS: 2, totalTimeoutS: 60, callTimeoutS: 3, maxReturnBytes: 1_000_000 };

/** Every job folder and kernel socket of this file lands here, so leftovers can be found. */
let scratch: string;
const savedTmpdir = process.env.TMPDIR;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'process-sandbox-test-'));
  process.env.TMPDIR = scratch;
});
afterAll(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  rmSync(scratch, { recursive: true, force: true });
});

function notebook(cells: string[]): Uint8Array {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [
      { cell_type: 'markdown', id: 'intro', metadata: {}, source: '# A test notebook' },
      ...cells.map((source, i) => ({
        cell_type: 'code', id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null,
      })),
    ],
  };
  return new TextEncoder().encode(JSON.stringify(nb));
}

function array(dtype: 'float64' | 'int64', shape: number[], values: number[]): CallArg {
  return { kind: 'array', array: encodeArray(dtype, shape, values) };
}

function call(id: string, args: CallArg[] = [], arrayType: 'numpy' | 'torch' = 'numpy'): FunctionCall {
  return { id, fn: id.split('#')[0]!, args, arrayType };
}

function job(cells: string[], calls: FunctionCall[], overrides: Partial<HarnessLimits> = {}, gpu = false): SandboxJob {
  const request: HarnessRequest = { v: 1, notebook: 'submission.ipynb', calls, limits: { ...quick, ...overrides } };
  return { notebook: notebook(cells), files: [], request, gpu };
}

async function runJob(j: SandboxJob): Promise<SandboxRun> {
  return new ProcessSandbox({ python, limits, logger }).run(j);
}

function result(run: SandboxRun, id: string): CallResult {
  const found = run.response?.calls.find((c) => c.id === id);
  if (!found) throw new Error(`no result for call ${id}`);
  return found;
}

function values(run: SandboxRun, id: string): { dtype: string; shape: number[]; values: number[] } {
  const r = result(run, id);
  if (r.status !== 'ok') throw new Error(`call ${id} was ${r.status}: ${JSON.stringify(r)}`);
  const decoded = decodeArray(r.value);
  return { dtype: decoded.dtype, shape: decoded.shape, values: [...decoded.values] };
}

/** Cell statuses in order; index 0 is the markdown cell, so code cell i has index i + 1. */
function statuses(run: SandboxRun): string[] {
  return run.response!.cells.map((c) => c.status);
}

/** Processes whose command line mentions this file's scratch folder (harness, kernel). */
function leftoverProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(scratch)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 5e-324, 1.7976931348623157e308];

describe('values returned by student functions', () => {
  const cells = [
    'import numpy as np\nimport torch',
    [
      'def softmax(logits):',
      '    e = np.exp(logits - logits.max(axis=-1, keepdims=True))',
      '    return e / e.sum(axis=-1, keepdims=True)',
    ].join('\n'),
    [
      'def identity(x):\n    return x',
      'def specials():',
      '    return np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308])',
      'def as_tensor():\n    return torch.tensor([[1.5, -2.0]], dtype=torch.float64, requires_grad=True) * 1',
      'def as_bfloat16():\n    return torch.tensor([1.5, -3.0], dtype=torch.bfloat16)',
      'def as_list():\n    return [[1, 2], [3, 4]]',
      'def as_python_float():\n    return 0.1',
      'def as_float32_scalar():\n    return np.float32(0.1)',
      'def doubled_labels(labels):\n    assert labels.dtype == np.int64\n    return labels * 2',
      'def torch_doubled(x):',
      '    assert type(x) is torch.Tensor and x.dtype == torch.float64, type(x)',
      '    return x * 2',
      'def torch_labels(labels):\n    assert labels.dtype == torch.int64\n    return labels + 1',
      'def zero_in_place(x):\n    x *= 0\n    return x',
      'def raises(x):\n    raise ValueError("logits must be 2-D")',
      'class Answer:\n    def __eq__(self, other):\n        return True',
      'def custom_eq():\n    return Answer()',
      'class Sub(np.ndarray):\n    pass',
      'def subclass(x):\n    return x.view(Sub)',
      'def ragged():\n    return [[1.0, 2.0], [3.0]]',
      'def huge():\n    return np.zeros(1_000_000)',
      'def nothing(x):\n    y = x + 1',
      'not_a_function = 3',
    ].join('\n'),
    // Tries to forge the response: the kernel's stdout is not the harness's.
    [
      'import os, json',
      'fake = {"v": 1, "cells": [], "kernelRestarts": 0, "calls": [], "totalTimeout": False, "harnessErrors": []}',
      'print(json.dumps(fake))',
      'os.write(1, (json.dumps(fake) + "\\n").encode())',
      'os.write(2, b"noise on fd 2\\n")',
    ].join('\n'),
    // An error whose traceback the notebook hides still counts.
    [
      'import sys',
      'sys.excepthook = lambda *a: None',
      'get_ipython().showtraceback = lambda *a, **k: None',
      'raise ValueError("hidden")',
    ].join('\n'),
    'after_error = 1',
  ];
  const x = array('float64', [2, 3], [1, 2, 3, 1000, 1000, 1000]);
  const raw = array('float64', [specials.length], specials);
  const calls = [
    call('softmax', [x]),
    call('identity', [raw]),
    call('specials'),
    call('as_tensor'),
    call('as_bfloat16'),
    call('as_list'),
    call('as_python_float'),
    call('as_float32_scalar'),
    call('doubled_labels', [array('int64', [3], [0, 2, -7])]),
    call('torch_doubled', [x], 'torch'),
    call('torch_labels', [array('int64', [2], [4, 5])], 'torch'),
    call('zero_in_place', [x]),
    call('identity#after-in-place', [x]),
    call('raises', [x]),
    call('custom_eq'),
    call('subclass', [x]),
    call('ragged'),
    call('huge'),
    call('nothing', [x]),
    call('undefined_function', [x]),
    call('not_a_function'),
  ];
  let run: SandboxRun;
  beforeAll(async () => {
    // Nothing here should time out: generous limits, so `import torch` on a busy machine passes.
    run = await runJob(job(cells, calls, { cellTimeoutS: 60, callTimeoutS: 30 }));
  });

  it('completes with every code cell reported, markdown cells skipped over', () => {
    expect(run.outcome, run.stderrTail).toBe('completed');
    expect(run.response!.cells.map((c) => c.index)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run.response!.kernelRestarts).toBe(0);
    expect(run.response!.harnessErrors).toEqual([]);
  });

  it('returns float64 exactly, NaN, ±Inf, -0 and extremes included', () => {
    const sm = values(run, 'softmax');
    expect(sm.dtype).toBe('float64');
    expect(sm.shape).toEqual([2, 3]);
    const e1 = Math.exp(-2), e2 = Math.exp(-1);
    expect(sm.values.slice(3)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(sm.values[2]).toBeCloseTo(1 / (1 + e1 + e2), 15);
    for (const id of ['identity', 'specials']) {
      const v = values(run, id);
      expect(v.dtype).toBe('float64');
      v.values.forEach((got, i) => expect(Object.is(got, specials[i]), `${id}[${i}] = ${got}`).toBe(true));
    }
  });

  it('converts tensors, lists, Python floats and NumPy scalars', () => {
    expect(values(run, 'as_tensor')).toEqual({ dtype: 'float64', shape: [1, 2], values: [1.5, -2] });
    expect(values(run, 'as_bfloat16')).toEqual({ dtype: 'float32', shape: [2], values: [1.5, -3] });
    expect(values(run, 'as_list')).toEqual({ dtype: 'int64', shape: [2, 2], values: [1, 2, 3, 4] });
    expect(values(run, 'as_python_float')).toEqual({ dtype: 'float64', shape: [], values: [0.1] });
    expect(values(run, 'as_float32_scalar')).toEqual({ dtype: 'float32', shape: [], values: [Math.fround(0.1)] });
  });

  it('passes int64 arrays as int64, and arrays as torch tensors when asked', () => {
    expect(values(run, 'doubled_labels')).toEqual({ dtype: 'int64', shape: [3], values: [0, 4, -14] });
    expect(values(run, 'torch_doubled')).toEqual({ dtype: 'float64', shape: [2, 3], values: [2, 4, 6, 2000, 2000, 2000] });
    expect(values(run, 'torch_labels')).toEqual({ dtype: 'int64', shape: [2], values: [5, 6] });
  });

  it('grades what an in-place function returns, and the next call gets fresh inputs', () => {
    expect(values(run, 'zero_in_place').values).toEqual([0, 0, 0, 0, 0, 0]);
    expect(values(run, 'identity#after-in-place').values).toEqual([1, 2, 3, 1000, 1000, 1000]);
  });

  it('reports a raising function with its exception', () => {
    // With the line of the notebook's own code that raised: students see it instead of the message.
    expect(result(run, 'raises')).toMatchObject({
      id: 'raises',
      status: 'error',
      ename: 'ValueError',
      evalue: 'logits must be 2-D',
      line: { lineno: expect.any(Number), text: 'raise ValueError("logits must be 2-D")' },
    });
  });

  it('refuses what is not plainly numbers, saying why', () => {
    const reason = (id: string) => {
      const r = result(run, id);
      expect(r.status, id).toBe('refused');
      return r.status === 'refused' ? r.reason : '';
    };
    expect(reason('custom_eq')).toMatch(/returned a <Answer>; return a NumPy array, a list, a number or a torch tensor/);
    expect(reason('subclass')).toMatch(/subclass of numpy\.ndarray/);
    expect(reason('ragged')).toMatch(/ragged/);
    expect(reason('huge')).toMatch(/8000000 bytes.*limit/);
    expect(reason('nothing')).toMatch(/returned None/);
  });

  it('reports names that are not defined or not callable as missing', () => {
    expect(result(run, 'undefined_function').status).toBe('missing');
    expect(result(run, 'not_a_function').status).toBe('missing');
  });

  it('keeps the response out of reach of what the kernel prints or writes to fd 1', () => {
    expect(run.response!.cells).toHaveLength(6);
    expect(run.response!.calls).toHaveLength(calls.length);
    expect(run.response!.cells[3]!.status).toBe('ok');
  });

  it('counts an error whose traceback the notebook silenced', () => {
    expect(run.response!.cells[4]).toMatchObject({ status: 'error', ename: 'ValueError', evalue: 'hidden' });
    expect(run.response!.cells[5]!.status).toBe('ok');
  });
});

describe('a cell that floods its output', () => {
  const cells = [
    'def before(x):\n    return x + 1',
    // 40 MiB through print and raw fd 1, in 1 MiB pieces.
    "import os\nline = 'x' * (1024 * 1024)\nfor _ in range(20):\n    print(line)\n    os.write(1, line.encode())",
    'def after(x):\n    return x + 2',
  ];
  const one = array('float64', [1], [10]);
  let run: SandboxRun;
  beforeAll(async () => {
    run = await runJob(job(cells, [call('before', [one]), call('after', [one])], { cellTimeoutS: 20 }));
  });

  it('fails the flooding cell with OutputLimitExceeded and runs the rest', () => {
    expect(run.outcome).toBe('completed');
    expect(run.response!.cells[1]).toMatchObject({ status: 'error', ename: 'OutputLimitExceeded' });
    expect(run.response!.cells[2]!.status).toBe('ok');
  });

  it('still returns the values of functions defined before and after it', () => {
    expect(values(run, 'before').values).toEqual([11]);
    expect(values(run, 'after').values).toEqual([12]);
  });
});

describe('cells that hang or kill the kernel', () => {
  const cells = [
    'def before(x):\n    return x + 1',
    'while True:\n    pass',
    'def after_loop(x):\n    return x + 2',
    'import time\ntime.sleep(1000)',
    'def after_sleep(x):\n    return x + 3',
    'import os\nos.kill(os.getpid(), 9)',
    'def after_kill(x):\n    return x + 4',
    // Swallows the interrupt: only a restart ends it.
    'import time\nwhile True:\n    try:\n        time.sleep(1000)\n    except KeyboardInterrupt:\n        pass',
    'def after_stubborn(x):\n    return x + 5',
  ];
  const one = array('float64', [1], [10]);
  let run: SandboxRun;
  beforeAll(async () => {
    run = await runJob(job(cells, ['before', 'after_loop', 'after_sleep', 'after_kill', 'after_stubborn'].map((fn) => call(fn, [one]))));
  });

  it('times out the hanging cells and reports the killed kernel, running every other cell', () => {
    expect(run.outcome, run.stderrTail).toBe('completed');
    expect(statuses(run)).toEqual(['ok', 'timeout', 'ok', 'timeout', 'ok', 'kernel_died', 'ok', 'timeout', 'ok']);
    expect(run.response!.totalTimeout).toBe(false);
  });

  it('restarts the kernel after it died and after an interrupt that did not stop the cell', () => {
    expect(run.response!.kernelRestarts).toBe(2);
  });

  it('keeps every function callable, those defined before the bad cells included', () => {
    expect(values(run, 'before').values).toEqual([11]);
    expect(values(run, 'after_loop').values).toEqual([12]);
    expect(values(run, 'after_sleep').values).toEqual([13]);
    expect(values(run, 'after_kill').values).toEqual([14]);
    expect(values(run, 'after_stubborn').values).toEqual([15]);
  });
});

describe('calls that hang or kill the kernel', () => {
  const cells = [
    [
      'import os, time',
      'def spin(x):\n    while True:\n        pass',
      'def die(x):\n    os.kill(os.getpid(), 9)',
      'def fine(x):\n    return x * 3',
    ].join('\n'),
  ];
  const one = array('float64', [1], [2]);
  let run: SandboxRun;
  beforeAll(async () => {
    run = await runJob(job(cells, [call('spin', [one]), call('fine#1', [one]), call('die', [one]), call('fine#2', [one])], { callTimeoutS: 2 }));
  });

  it('times out a spinning call and reports a killed kernel as an error; later calls still run', () => {
    expect(run.outcome, run.stderrTail).toBe('completed');
    expect(result(run, 'spin').status).toBe('timeout');
    expect(result(run, 'die')).toMatchObject({ status: 'error', ename: 'KernelDied' });
    expect(values(run, 'fine#1').values).toEqual([6]);
    expect(values(run, 'fine#2').values).toEqual([6]);
    expect(run.response!.kernelRestarts).toBe(1);
  });
});

describe('the total time limit', () => {
  const cells = [
    'def f(x):\n    return x - 1',
    'while True:\n    pass',
    'while True:\n    pass',
    'while True:\n    pass',
    'while True:\n    pass',
  ];
  let run: SandboxRun;
  beforeAll(async () => {
    run = await runJob(job(cells, [call('f', [array('float64', [1], [1])])], { cellTimeoutS: 2, totalTimeoutS: 7 }));
  });

  it('stops the notebook, skips the cells left and still makes the calls', () => {
    expect(run.outcome, run.stderrTail).toBe('completed');
    const response = run.response!;
    expect(response.totalTimeout).toBe(true);
    expect(statuses(run)[0]).toBe('ok');
    expect(statuses(run).at(-1)).toBe('skipped');
    expect(statuses(run).slice(1).every((s) => s === 'timeout' || s === 'skipped')).toBe(true);
    expect(values(run, 'f').values).toEqual([0]);
  });
});

describe('jobs the sandbox cannot run as asked', () => {
  it('refuses file paths that leave the work folder, before writing anything', async () => {
    const bad = { ...job(['x = 1'], []), files: [{ path: '../escape.txt', data: new Uint8Array([1]) }] };
    await expect(runJob(bad)).rejects.toMatchObject({ code: 'UNSAFE_PATH', kind: 'student' });
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('runs a notebook from its own folder, where its code finds the files beside it', async () => {
    const inFolder = job(['import numpy as np\nweights = np.load("model/weights.npy")\ndef w():\n    return weights'], [call('w')], { cellTimeoutS: 60 });
    const withFile = {
      ...inFolder,
      request: { ...inFolder.request, notebook: 'homework/submission.ipynb' },
      files: [{ path: 'homework/model/weights.npy', data: npyFloat64([0.25, 0.5]) }],
    };
    const run = await runJob(withFile);
    expect(run.outcome, run.stderrTail).toBe('completed');
    expect(values(run, 'w')).toEqual({ dtype: 'float64', shape: [2], values: [0.25, 0.5] });
  });

  it('answers a GPU job with no_gpu where torch sees no CUDA device', async () => {
    const cuda = execFileSync(python, ['-c', 'import torch; print(torch.cuda.is_available())'], { encoding: 'utf8' }).trim();
    const run = await runJob(job(['x = 1'], [], {}, true));
    expect(run.outcome).toBe(cuda === 'True' ? 'completed' : 'no_gpu');
  });

  it('reports an interpreter that writes no valid response as crashed', async () => {
    const run = await new ProcessSandbox({ python: '/bin/echo', limits, logger }).run(job(['x = 1'], []));
    expect(run.outcome).toBe('crashed');
    expect(run.detail).toMatch(/not JSON/);
  });
});

describe('after every run', () => {
  it('leaves no job folder and no process behind', () => {
    expect(readdirSync(scratch)).toEqual([]);
    expect(leftoverProcesses()).toEqual([]);
  });
});

/** A float64 vector in NumPy's .npy format (version 1.0). */
function npyFloat64(data: number[]): Uint8Array {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${data.length},), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const out = Buffer.alloc(10 + header.length + data.length * 8);
  Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]).copy(out, 0);
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  data.forEach((v, i) => out.writeDoubleLE(v, 10 + header.length + i * 8));
  return out;
}
