/**
 * A TensorFlow.js layers model a student uploads (`model.json` + weight shards in the zip),
 * evaluated here in the worker with the selected tensor backend. It is loaded from memory
 * (tf.io.fromMemory): no network or file IO handler ever sees its paths. Its size, number of
 * layers and layer types are limited before TF.js parses it: custom layers would need code,
 * and unknown ones are refused with the list of accepted ones.
 */
import * as tf from '@tensorflow/tfjs';
import { posix } from 'node:path';
import { z } from 'zod';
import type { NdArray } from '../../sandbox/arrays.js';
import type { SandboxFile } from '../../sandbox/sandbox.js';
import type { HiddenSet } from './hidden-set.js';

export interface TfjsModelLimits {
  /** model.json and its shards together. */
  maxBytes: number;
  maxLayers: number;
  allowedLayers: readonly string[];
}

export const DEFAULT_TFJS_LIMITS: TfjsModelLimits = {
  maxBytes: 32 * 1024 * 1024,
  maxLayers: 64,
  allowedLayers: [
    'InputLayer', 'Dense', 'Activation', 'Dropout', 'Flatten', 'Reshape', 'BatchNormalization', 'LayerNormalization',
    'Conv1D', 'Conv2D', 'MaxPooling1D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D',
    'ReLU', 'LeakyReLU', 'Softmax', 'ELU', 'Add', 'Concatenate',
  ],
};

/** The upload cannot be evaluated; the message says what to fix. */
export class TfjsModelError extends Error {
  override name = 'TfjsModelError';
}

const ModelJsonSchema = z.looseObject({
  format: z.string().optional(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.looseObject({
    paths: z.array(z.string().min(1)),
    weights: z.array(z.looseObject({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.enum(['float32', 'int32', 'bool']) })),
  })),
});

const LayerSchema = z.looseObject({ class_name: z.string(), config: z.record(z.string(), z.unknown()).optional() });

function layersOf(topology: Record<string, unknown>): z.infer<typeof LayerSchema>[] {
  const config = (topology.model_config ?? topology) as { class_name?: unknown; config?: unknown };
  const inner = config.config as { layers?: unknown } | unknown[] | undefined;
  const layers = Array.isArray(inner) ? inner : inner?.layers;
  const parsed = z.array(LayerSchema).safeParse(layers);
  if (!parsed.success) throw new TfjsModelError('model.json has no list of layers in modelTopology; save the model with model.save() (a layers model, not a graph model)');
  return parsed.data;
}

function checkLayers(layers: z.infer<typeof LayerSchema>[], limits: TfjsModelLimits): void {
  if (layers.length > limits.maxLayers) throw new TfjsModelError(`the model has ${layers.length} layers; at most ${limits.maxLayers} are accepted`);
  const unknown = [...new Set(layers.map((l) => l.class_name).filter((c) => !limits.allowedLayers.includes(c)))];
  if (unknown.length > 0) {
    throw new TfjsModelError(`layer type${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not accepted ` +
      `(custom or nested layers cannot be loaded without their code); accepted: ${limits.allowedLayers.join(', ')}`);
  }
}

/** Loads the model from the submission's files, in memory, after checking its limits. */
export async function loadTfjsModel(files: readonly SandboxFile[], modelJson: string, limits: TfjsModelLimits = DEFAULT_TFJS_LIMITS): Promise<tf.LayersModel> {
  const byPath = new Map(files.map((f) => [posix.normalize(f.path), f]));
  const jsonFile = byPath.get(posix.normalize(modelJson));
  if (!jsonFile) throw new TfjsModelError(`the submission has no ${modelJson}; put the model.json that model.save() wrote, with its weight files, in the zip`);
  let total = jsonFile.data.byteLength;
  if (total > limits.maxBytes) throw new TfjsModelError(`${modelJson} is ${jsonFile.data.byteLength} bytes; the model may have at most ${limits.maxBytes}`);
  let json: z.infer<typeof ModelJsonSchema>;
  try {
    json = ModelJsonSchema.parse(JSON.parse(Buffer.from(jsonFile.data).toString('utf8')));
  } catch (e) {
    throw new TfjsModelError(`${modelJson} is not a TensorFlow.js layers model (${e instanceof SyntaxError ? 'not JSON' : 'no modelTopology and weightsManifest'})`);
  }
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new TfjsModelError(`${modelJson} is a "${json.format}"; only layers models (format "layers-model", saved with model.save()) are accepted`);
  }
  checkLayers(layersOf(json.modelTopology), limits);

  const dir = posix.dirname(posix.normalize(modelJson));
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) {
      const shard = byPath.get(posix.normalize(posix.join(dir, path)));
      if (!shard) throw new TfjsModelError(`${modelJson} names the weight file ${path}, which is not in the submission beside it`);
      total += shard.data.byteLength;
      if (total > limits.maxBytes) throw new TfjsModelError(`the model's files add up to more than ${limits.maxBytes} bytes`);
      shards.push(shard.data);
    }
  }
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  shards.reduce((offset, s) => (weightData.set(s, offset), offset + s.byteLength), 0);
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const expected = weightSpecs.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
  if (expected !== weightData.byteLength) {
    throw new TfjsModelError(`the weight files hold ${weightData.byteLength} bytes but model.json describes ${expected}; upload the files model.save() wrote, unchanged`);
  }
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: weightData.buffer }));
  } catch (e) {
    throw new TfjsModelError(`TensorFlow.js could not load the model: ${(e as Error).message}`);
  }
}

/** The model's outputs on the hidden inputs, batch by batch, as the harness would return them. */
export function predictTfjs(model: tf.LayersModel, set: HiddenSet, batchSize: number): NdArray {
  const [rows = 0, ...rest] = set.inputs.shape;
  const width = rest.reduce((a, b) => a * b, 1);
  const parts: Float32Array[] = [];
  let outShape: number[] | undefined;
  for (let lo = 0; lo < rows; lo += batchSize) {
    const hi = Math.min(rows, lo + batchSize);
    const values = tf.tidy(() => {
      const out = model.predict(tf.tensor(set.inputs.values.subarray(lo * width, hi * width), [hi - lo, ...rest], 'float32'));
      if (Array.isArray(out)) throw new TfjsModelError(`the model has ${out.length} outputs; it must have one, the class logits`);
      outShape = out.shape.slice(1);
      return out.dataSync() as Float32Array;
    });
    parts.push(Float32Array.from(values));
  }
  const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (all.set(p, offset), offset + p.length), 0);
  return { dtype: 'float32', shape: [rows, ...(outShape ?? [])], values: all };
}
