/**
 * Model checks end to end through the real harness (process sandbox): the model is called
 * on the hidden inputs only, in eval mode, without gradients, batch by batch, and a
 * recording Sandbox proves that the hidden labels never enter the sandbox: not in the
 * request, not in its arguments, not in any file copied in.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { defineAssignment } from '../../src/grading/assignment.js';
import { claimedAccuracy } from '../../src/grading/checks/claimed-metric.js';
import { modelAccuracy } from '../../src/grading/checks/model-accuracy.js';
import { modelConfusion } from '../../src/grading/checks/model-confusion.js';
import { modelLoss } from '../../src/grading/checks/model-loss.js';
import { gradeSubmission } from '../../src/grading/engine.js';
import type { HiddenSet } from '../../src/grading/model/hidden-set.js';
import type { GradeReport } from '../../src/grading/report.js';
import { createLogger } from '../../src/logger.js';
import { encodeArray } from '../../src/sandbox/arrays.js';
import type { Sandbox, SandboxJob } from '../../src/sandbox/sandbox.js';
import { createSandbox } from '../../src/sandbox/select.js';
import { unpackUpload } from '../../src/submission/unpack.js';

const logger = createLogger('silent');
const config = loadConfig({ ...process.env, AUTOGRADER_SANDBOX: 'process' });

// 600 points on a line; the label is the third of the line a point falls in. A model that
// thresholds x at 200 and 400 gets all right; its x-coordinate is the first input column.
const ROWS = 600;
const hidden: HiddenSet = {
  name: 'the hidden test set',
  inputs: { shape: [ROWS, 2], values: Float32Array.from({ length: ROWS * 2 }, (_, i) => (i % 2 === 0 ? i / 2 : 7)) },
  labels: Int32Array.from({ length: ROWS }, (_, i) => Math.min(2, Math.floor(i / 200))),
  classes: 3,
  classNames: ['low', 'mid', 'high'],
};

const evaluation = { model: 'model', hidden, batchSize: 128 };
const calibration = { solution: 1, note: 'the exact thresholding model scores 100%' };
const assignment = defineAssignment({
  id: 'test-model-eval',
  title: 'model evaluation test',
  checks: [
    modelAccuracy({ ...evaluation, points: 2, scale: { kind: 'threshold', steps: [{ at: 0.9, fraction: 1 }] }, calibration }),
    modelLoss({ ...evaluation, points: 1, scale: { kind: 'linear', zeroAt: 1.2, fullAt: 0.5 }, calibration }),
    modelConfusion(evaluation),
    claimedAccuracy({ points: 1, tolerance: 0.05, against: { measured: evaluation } }),
  ],
});

/** Records exactly what goes into the sandbox. */
class RecordingSandbox implements Sandbox {
  readonly jobs: SandboxJob[] = [];
  constructor(private readonly inner: Sandbox) {}
  get kind() {
    return this.inner.kind;
  }
  run(job: SandboxJob, signal?: AbortSignal) {
    this.jobs.push(structuredClone(job));
    return this.inner.run(job, signal);
  }
  close() {
    return this.inner.close();
  }
}

const THRESHOLD_MODEL = `
import torch
from torch import nn

class Thirds(nn.Module):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.9)   # would scramble outputs unless the grader calls eval()
    def forward(self, x):
        assert not torch.is_grad_enabled(), 'graded with gradients on'
        x0 = x[:, :1]
        out = torch.cat([(199.5 - x0), -(x0 - 299.5).abs() + 100, x0 - 399.5], dim=1) / 50
        return self.drop(out) * (1 - self.drop.p) if self.training else out

model = Thirds()
`;

function notebook(cells: { kind: 'code' | 'markdown'; source: string }[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((c, i) => c.kind === 'code'
      ? { cell_type: 'code', id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source: c.source }
      : { cell_type: 'markdown', id: `c${i}`, metadata: {}, source: c.source }),
  }));
}

let inner: Sandbox;
let sandbox: RecordingSandbox;
beforeAll(async () => {
  inner = await createSandbox(config, logger);
  sandbox = new RecordingSandbox(inner);
});
afterAll(async () => {
  await sandbox?.close();
});

const grade = (bytes: Uint8Array): Promise<GradeReport> =>
  gradeSubmission({ assignment, notebook: { name: 'submission.ipynb', bytes }, sandbox, limits: config.sandboxLimits, logger });
const check = (report: GradeReport, id: string) => report.checks.find((c) => c.id === id)!;

describe('model evaluation in the process sandbox', () => {
  it('scores a PyTorch module in eval mode without gradients, and the hidden labels never enter the sandbox', async () => {
    const report = await grade(notebook([
      { kind: 'code', source: THRESHOLD_MODEL },
      { kind: 'markdown', source: '**accuracy**: 100% on held-out points' },
    ]));
    expect(check(report, 'model.accuracy')).toMatchObject({ status: 'passed' });
    expect(check(report, 'model.accuracy').feedback).toContain('100.0% of the 600 examples');
    expect(check(report, 'model.loss').status).toBe('passed');
    expect(check(report, 'claimed.accuracy').status).toBe('passed');
    const confusion = check(report, 'model.confusion');
    expect(confusion.visibility).toBe('hidden');
    expect(confusion.feedback).toMatch(/high\s+0\s+0\s+200/);

    const job = sandbox.jobs.at(-1)!;
    // Exactly one call, carrying exactly the hidden inputs, and nothing else goes in.
    expect(job.files).toEqual([]);
    expect(job.request.calls).toEqual([{
      id: 'model.accuracy#outputs',
      fn: 'model',
      args: [{ kind: 'array', array: encodeArray('float32', [ROWS, 2], hidden.inputs.values) }],
      arrayType: 'torch',
      model: { batchSize: 128, timeoutS: 60 },
    }]);
    // The labels in any encoding the grader knows do not appear anywhere in what went in.
    const everything = JSON.stringify(job.request) + Buffer.from(job.notebook).toString('latin1');
    for (const dtype of ['int64', 'int32', 'float32', 'float64'] as const) {
      expect(everything).not.toContain(encodeArray(dtype, [ROWS], hidden.labels).b64.slice(0, 64));
    }
    expect(everything).not.toContain(JSON.stringify(Array.from(hidden.labels)));
  });

  it('probabilities are scored as probabilities and told; an overclaim is quoted against the measurement', async () => {
    const report = await grade(notebook([
      // Never predicts "high": right on two thirds of the points.
      { kind: 'code', source: `${THRESHOLD_MODEL}\nbase = model.eval()\nmodel = lambda x: torch.softmax(base(x)[:, [0, 1, 1]], dim=1)` },
      { kind: 'markdown', source: 'Our model reaches an accuracy of 0.95.' },
    ]));
    expect(check(report, 'model.accuracy').feedback).toMatch(/66\.7% of the 600.*\n.*returns probabilities/);
    expect(check(report, 'model.accuracy').status).toBe('failed');
    expect(check(report, 'model.confusion').feedback).toMatch(/high\s+0\s+200\s+0/);
    const claim = check(report, 'claimed.accuracy');
    expect(claim.status).toBe('failed');
    expect(claim.feedback).toMatch(/"Our model reaches an accuracy of 0\.95\." .*read as 95\.0%; the grader measured 66\.7%/);
  });

  it('a crash on one batch names the batch; a wrong output shape says what was expected', async () => {
    const crash = await grade(notebook([
      { kind: 'code', source: `${THRESHOLD_MODEL}\nbase = model\ndef model(x):\n    if x[0, 0] >= 256:\n        raise ValueError('unexpected input')\n    return base(x)` },
    ]));
    expect(check(crash, 'model.accuracy').status).toBe('failed');
    expect(check(crash, 'model.accuracy').feedback).toMatch(/raised ValueError at `raise ValueError\('unexpected input'\)` .* on batch 3 of 5 \(input rows 256 to 383\)/);
    const shape = await grade(notebook([{ kind: 'code', source: `${THRESHOLD_MODEL}\nbase = model\nmodel = lambda x: base(x).argmax(dim=1)` }]));
    expect(check(shape, 'model.accuracy').feedback).toMatch(/shape \(600,\).*expected \(600, 3\)/);
    expect(check(shape, 'claimed.accuracy').feedback).toMatch(/could not be measured|No accuracy/);
  });
});

describe('a model trained elsewhere: a zip with the notebook and a state_dict', () => {
  const weighted = defineAssignment({
    id: 'test-model-weights',
    title: 'uploaded weights test',
    checks: [modelAccuracy({ ...evaluation, stateDict: 'weights/thirds.pt', points: 2, scale: { kind: 'threshold', steps: [{ at: 0.9, fraction: 1 }] }, calibration })],
  });
  // The architecture only: untrained, every output is 0 (a tie, so always class 0: one third right).
  const ARCHITECTURE = THRESHOLD_MODEL.replace('class Thirds(nn.Module):', 'class Base(nn.Module):').replace('model = Thirds()', `
class Thirds(Base):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.zeros(1))
    def forward(self, x):
        return super().forward(x) * self.scale

model = Thirds()`);

  async function zipOf(weights: Buffer): Promise<Uint8Array> {
    const { default: JSZip } = await import('jszip');
    const zip = new JSZip();
    zip.file('submission/notebook.ipynb', notebook([{ kind: 'code', source: ARCHITECTURE }]));
    zip.file('submission/weights/thirds.pt', weights);
    return zip.generateAsync({ type: 'uint8array' });
  }

  function pythonBytes(script: string): Buffer {
    return execFileSync(config.python, ['-c', script], { maxBuffer: 1 << 20 });
  }

  async function gradeZip(weights: Buffer): Promise<GradeReport> {
    const upload = await unpackUpload('submission.zip', await zipOf(weights));
    return gradeSubmission({
      assignment: weighted,
      notebook: { name: upload.notebook.name, path: upload.notebook.path, bytes: upload.notebook.bytes },
      files: upload.files.map((f) => ({ path: f.path, data: f.bytes })),
      sandbox,
      limits: config.sandboxLimits,
      logger,
    });
  }

  it('loads the state_dict with weights_only=True before evaluating', async () => {
    const weights = pythonBytes("import io, sys, torch; b = io.BytesIO(); torch.save({'scale': torch.ones(1)}, b); sys.stdout.buffer.write(b.getvalue())");
    const report = await gradeZip(weights);
    expect(check(report, 'model.accuracy').feedback).toContain('100.0% of the 600 examples');
    const job = sandbox.jobs.at(-1)!;
    expect(job.files.map((f) => f.path)).toEqual(['weights/thirds.pt']);
    expect(job.request.calls[0]!.model).toMatchObject({ stateDict: 'weights/thirds.pt' });
  });

  it('refuses a pickle that is not plain weights, saying why', async () => {
    const weights = pythonBytes("import io, sys, torch, collections; b = io.BytesIO(); torch.save(collections.Counter(a=1), b); sys.stdout.buffer.write(b.getvalue())");
    const report = await gradeZip(weights);
    expect(check(report, 'model.accuracy').status).toBe('failed');
    expect(check(report, 'model.accuracy').feedback).toMatch(/weights\/thirds\.pt could not be loaded .*weights_only=True/);
  });
});
