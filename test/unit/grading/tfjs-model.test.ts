/**
 * An uploaded TensorFlow.js layers model (model.json + weight shards) evaluated in the
 * worker, loaded from memory, with limits on size, layer count and layer types.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTensorBackend } from '../../../reference/index.js';
import { modelAccuracy } from '../../../src/grading/checks/model-accuracy.js';
import { modelLoss } from '../../../src/grading/checks/model-loss.js';
import type { HiddenSet } from '../../../src/grading/model/hidden-set.js';
import type { SandboxFile } from '../../../src/sandbox/sandbox.js';
import { contextWith, emptyNotebook } from '../../helpers/context.js';

// Label = argmax of W x for 300 points; a bias-free Dense layer with kernel W is exact.
const W = [[1, -1, 0.5], [0.5, 1, -1]]; // (2 inputs, 3 classes) as Dense's kernel
const rows = 300;
const inputs = Float32Array.from({ length: rows * 2 }, (_, i) => Math.sin(i * 1.7) * 3);
const labels = Int32Array.from({ length: rows }, (_, r) => {
  const x = [inputs[2 * r]!, inputs[2 * r + 1]!];
  const z = [0, 1, 2].map((c) => x[0]! * W[0]![c]! + x[1]! * W[1]![c]!);
  return z.indexOf(Math.max(...z));
});
const hidden: HiddenSet = { name: 'the hidden set', inputs: { shape: [rows, 2], values: inputs }, labels, classes: 3 };

async function savedModel(layers: (m: tf.Sequential) => void): Promise<SandboxFile[]> {
  const model = tf.sequential();
  layers(model);
  let files: SandboxFile[] = [];
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const json = { format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs }] };
    files = [
      { path: 'tfjs/model.json', data: new TextEncoder().encode(JSON.stringify(json)) },
      { path: 'tfjs/group1-shard1of1.bin', data: new Uint8Array(artifacts.weightData as ArrayBuffer) },
    ];
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  return files;
}

const exact = (m: tf.Sequential) => {
  m.add(tf.layers.dense({ units: 3, useBias: false, inputShape: [2] }));
  m.layers[0]!.setWeights([tf.tensor2d(W)]);
};

const options = { model: 'model', hidden, tfjs: { modelJson: 'tfjs/model.json' } };
const calibration = { solution: 1, note: 'exact' };
const accuracy = modelAccuracy({ ...options, points: 1, scale: { kind: 'threshold', steps: [{ at: 0.9, fraction: 1 }] }, calibration });
const loss = modelLoss({ ...options, points: 1, scale: { kind: 'linear', zeroAt: 2, fullAt: 1 }, calibration });
const grade = (files: SandboxFile[]) => accuracy.grade({ ...contextWith([], [], emptyNotebook), files });

beforeAll(async () => {
  await initTensorBackend();
});

describe('uploaded TensorFlow.js layers models', () => {
  it('asks nothing of the sandbox and scores the model in the worker', async () => {
    expect(accuracy.calls()).toEqual([]);
    const files = await savedModel(exact);
    const verdict = await grade(files);
    expect(verdict.feedback).toContain('100.0% of the 300 examples');
    const ctx = { ...contextWith([], [], emptyNotebook), files };
    expect((await loss.grade(ctx)).feedback).toMatch(/cross-entropy/);
  });

  it('refuses unknown or custom layer types, naming them', async () => {
    const files = await savedModel(exact);
    const json = JSON.parse(Buffer.from(files[0]!.data).toString('utf8'));
    json.modelTopology.config.layers[0].class_name = 'MyAttention';
    files[0] = { path: 'tfjs/model.json', data: new TextEncoder().encode(JSON.stringify(json)) };
    const verdict = await grade(files);
    expect(verdict.points).toBe(0);
    expect(verdict.feedback).toMatch(/layer type MyAttention is not accepted .*accepted: InputLayer, Dense/);
  });

  it('refuses too many layers, too many bytes, and missing or altered weight files', async () => {
    const deep = await savedModel((m) => {
      m.add(tf.layers.dense({ units: 4, inputShape: [2] }));
      for (let i = 0; i < 70; i++) m.add(tf.layers.dense({ units: 4 }));
      m.add(tf.layers.dense({ units: 3 }));
    });
    expect((await grade(deep)).feedback).toMatch(/has 72 layers; at most 64/);
    const files = await savedModel(exact);
    const big = modelAccuracy({ ...options, tfjs: { modelJson: 'tfjs/model.json', limits: { maxBytes: 100 } }, points: 1, scale: { kind: 'threshold', steps: [{ at: 0.9, fraction: 1 }] }, calibration });
    expect((await big.grade({ ...contextWith([]), files })).feedback).toMatch(/more than 100 bytes|at most 100/);
    expect((await grade([files[0]!])).feedback).toMatch(/names the weight file group1-shard1of1\.bin, which is not in the submission/);
    expect((await grade([files[0]!, { ...files[1]!, data: files[1]!.data.slice(0, 8) }])).feedback).toMatch(/weight files hold 8 bytes but model.json describes 24/);
    expect((await grade([])).feedback).toMatch(/no tfjs\/model\.json/);
  });
});
