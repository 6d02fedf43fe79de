/**
 * Check kinds for trained models and what students claim about them (`model.accuracy`,
 * `model.loss`, `model.confusion`, `claimed.accuracy`) and for reports (`dataset.stated`).
 * Hidden sets are CSV files beside the spec (inputs go into the sandbox, labels never do);
 * checks naming the same file share one loaded set.
 */
import { z } from 'zod';
import { claimedAccuracy } from '../../grading/checks/claimed-metric.js';
import { datasetStated } from '../../grading/checks/dataset-stated.js';
import { modelAccuracy } from '../../grading/checks/model-accuracy.js';
import { modelConfusion } from '../../grading/checks/model-confusion.js';
import { modelLoss } from '../../grading/checks/model-loss.js';
import { hiddenSetFromCsv } from '../../grading/model/csv-data.js';
import type { ModelEvaluationOptions } from '../../grading/model/evaluation.js';
import type { HiddenSet } from '../../grading/model/hidden-set.js';
import { CalibrationSchema, PointsScaleSchema } from '../../grading/model/scale.js';
import type { CheckKind, CheckKindContext } from '../check-kinds.js';

const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

const HiddenCsvSchema = z.strictObject({
  /** A CSV beside the spec: a header, numeric feature columns and an integer label column. */
  csv: z.string().min(1),
  classes: z.number().int().min(2),
  /** How feedback names the data, e.g. "the hidden test split". */
  name: z.string().min(1),
  classNames: z.array(z.string()).optional(),
  labelColumn: z.string().optional(),
});

const EvaluationFields = {
  /** The notebook's name for the model (an nn.Module or a callable). */
  model: Identifier,
  aliases: z.array(Identifier).optional(),
  hidden: HiddenCsvSchema,
  batchSize: z.number().int().positive().optional(),
  timeoutS: z.number().positive().optional(),
  arrayType: z.enum(['torch', 'numpy']).optional(),
  /** A state_dict the submission's zip holds, loaded into the model (weights_only=True) before it is evaluated. */
  stateDict: z.string().min(1).optional(),
  /** The model is an uploaded TensorFlow.js layers model (this model.json in the zip), evaluated in the worker. */
  tfjs: z.strictObject({
    modelJson: z.string().min(1),
    maxBytes: z.number().int().positive().optional(),
    maxLayers: z.number().int().positive().optional(),
    allowedLayers: z.array(z.string().min(1)).optional(),
  }).optional(),
};
const Common = {
  id: z.string().optional(),
  points: z.number().nonnegative(),
  objectives: z.array(z.string()).optional(),
  title: z.string().optional(),
};

const hiddenSets = new Map<string, () => HiddenSet>();

function evaluation(options: { model: string; aliases?: string[] | undefined; hidden: z.infer<typeof HiddenCsvSchema>; batchSize?: number | undefined; timeoutS?: number | undefined; arrayType?: 'torch' | 'numpy' | undefined; stateDict?: string | undefined; tfjs?: z.infer<typeof EvaluationFields.tfjs> }, ctx: CheckKindContext): ModelEvaluationOptions {
  const path = ctx.source.resolvePath(options.hidden.csv);
  let hidden = hiddenSets.get(path);
  if (!hidden) {
    const { csv: _csv, ...csvOptions } = options.hidden;
    hidden = () => hiddenSetFromCsv(path, stripUndefined(csvOptions));
    hiddenSets.set(path, hidden);
  }
  return stripUndefined({
    model: options.model,
    aliases: options.aliases,
    hidden,
    batchSize: options.batchSize,
    timeoutS: options.timeoutS,
    arrayType: options.arrayType,
    stateDict: options.stateDict,
    tfjs: options.tfjs && { modelJson: options.tfjs.modelJson, limits: stripUndefined({ maxBytes: options.tfjs.maxBytes, maxLayers: options.tfjs.maxLayers, allowedLayers: options.tfjs.allowedLayers }) },
  });
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

const common = (o: { objectives?: string[] | undefined; title?: string | undefined }) => stripUndefined({ objectives: o.objectives, title: o.title });

const MetricOptions = z.strictObject({
  kind: z.enum(['model.accuracy', 'model.loss']),
  ...Common,
  ...EvaluationFields,
  scale: PointsScaleSchema,
  /** The solution's measured value and how the scale follows from it: required beside thresholds. */
  calibration: CalibrationSchema,
  hint: z.string().optional(),
  visibility: z.enum(['visible', 'hidden']).optional(),
});

export const modelAccuracyKind: CheckKind<typeof MetricOptions> = {
  kind: 'model.accuracy',
  options: MetricOptions,
  build: (o, ctx) => modelAccuracy({ ...evaluation(o, ctx), ...common(o), points: o.points, scale: o.scale, calibration: o.calibration, ...stripUndefined({ hint: o.hint, visibility: o.visibility }) }),
};

export const modelLossKind: CheckKind<typeof MetricOptions> = {
  kind: 'model.loss',
  options: MetricOptions,
  build: (o, ctx) => modelLoss({ ...evaluation(o, ctx), ...common(o), points: o.points, scale: o.scale, calibration: o.calibration, ...stripUndefined({ hint: o.hint, visibility: o.visibility }) }),
};

const ConfusionOptions = z.strictObject({ kind: z.literal('model.confusion'), ...Common, points: z.literal(0), ...EvaluationFields });

export const modelConfusionKind: CheckKind<typeof ConfusionOptions> = {
  kind: 'model.confusion',
  options: ConfusionOptions,
  build: (o, ctx) => modelConfusion({ ...evaluation(o, ctx), ...common(o) }),
};

const ClaimedOptions = z.strictObject({
  kind: z.literal('claimed.accuracy'),
  ...Common,
  /** The measured model, or `reported-table`: the notebook's own fastai table (reports that are not executed). */
  against: z.union([z.strictObject(EvaluationFields), z.literal('reported-table')]),
  tolerance: z.number().positive().max(1),
  about: z.array(z.string().min(1)).optional(),
  sources: z.array(z.enum(['markdown', 'training-output'])).optional(),
  howToClaim: z.string().optional(),
});

export const claimedAccuracyKind: CheckKind<typeof ClaimedOptions> = {
  kind: 'claimed.accuracy',
  options: ClaimedOptions,
  build: (o, ctx) => claimedAccuracy({
    ...common(o),
    ...stripUndefined({ id: o.id, about: o.about, sources: o.sources, howToClaim: o.howToClaim }),
    points: o.points,
    tolerance: o.tolerance,
    against: o.against === 'reported-table' ? { reportedTable: true } : { measured: evaluation(o.against, ctx) },
  }),
};

const DatasetOptions = z.strictObject({
  kind: z.literal('dataset.stated'),
  ...Common,
  words: z.array(z.string().min(1)).optional(),
  minCount: z.number().int().positive().optional(),
});

export const datasetStatedKind: CheckKind<typeof DatasetOptions> = {
  kind: 'dataset.stated',
  options: DatasetOptions,
  build: (o) => datasetStated({ ...common(o), points: o.points, ...stripUndefined({ words: o.words, minCount: o.minCount }) }),
};

export const MODEL_CHECK_KINDS = [modelAccuracyKind, modelLossKind, modelConfusionKind, claimedAccuracyKind, datasetStatedKind] as readonly CheckKind[];
