/**
 * One sandbox call evaluates a model on a hidden set; every model check of that model
 * (accuracy, loss, confusion matrix, claimed accuracy) reads the same result, scored once.
 */
import { GraderError } from '../../errors.js';
import type { FunctionCall } from '../../sandbox/protocol.js';
import type { GradingContext } from '../assignment.js';
import { callOutcome, sandboxFailureText } from '../call-outcome.js';
import { hiddenInputsArg, resolveHiddenSet, type HiddenSet, type HiddenSetSource } from './hidden-set.js';
import { scoreOutputs, type ModelScores } from './scores.js';
import { DEFAULT_TFJS_LIMITS, loadTfjsModel, predictTfjs, TfjsModelError, type TfjsModelLimits } from './tfjs-model.js';

/** Plain options naming the model and the data it is evaluated on (shared by every model check). */
export interface ModelEvaluationOptions {
  /** The notebook's name for the model: a PyTorch nn.Module or any callable, e.g. `mlp`. */
  model: string;
  /** Other names accepted for the model. */
  aliases?: string[];
  hidden: HiddenSetSource;
  /** Rows per forward pass. @defaultValue 256 */
  batchSize?: number;
  /** Seconds for the whole forward pass over the hidden set. @defaultValue 60 */
  timeoutS?: number;
  /** How the inputs reach the model. @defaultValue 'torch' */
  arrayType?: 'torch' | 'numpy';
  /** A submitted state_dict file (relative to the notebook) loaded into the model first, with weights_only=True. */
  stateDict?: string;
  /**
   * The model is not in the notebook but an uploaded TensorFlow.js layers model (its
   * model.json path in the submission), evaluated here in the worker: nothing runs in the sandbox.
   */
  tfjs?: { modelJson: string; limits?: Partial<TfjsModelLimits> };
}

export type Evaluation =
  | { ok: true; scores: ModelScores; set: HiddenSet }
  | { ok: false; reason: string; missing: boolean; set: HiddenSet };

/** The id of the call that evaluates `model`: owned by its accuracy check. */
export function evaluationCallId(model: string): string {
  return `${model}.accuracy#outputs`;
}

/** The sandbox call that evaluates a notebook's model; none for an uploaded TF.js model. */
export function evaluationCalls(options: ModelEvaluationOptions): FunctionCall[] {
  return options.tfjs ? [] : [evaluationCall(options)];
}

export function evaluationCall(options: ModelEvaluationOptions): FunctionCall {
  return {
    id: evaluationCallId(options.model),
    fn: options.model,
    ...(options.aliases?.length ? { aliases: options.aliases } : {}),
    args: [hiddenInputsArg(resolveHiddenSet(options.hidden))],
    arrayType: options.arrayType ?? 'torch',
    model: { batchSize: options.batchSize ?? 256, timeoutS: options.timeoutS ?? 60, ...(options.stateDict ? { stateDict: options.stateDict } : {}) },
  };
}

const cache = new WeakMap<GradingContext, Map<string, Promise<Evaluation>>>();

export function evaluateModel(ctx: GradingContext, options: ModelEvaluationOptions): Promise<Evaluation> {
  let byModel = cache.get(ctx);
  if (!byModel) {
    byModel = new Map();
    cache.set(ctx, byModel);
  }
  const known = byModel.get(options.model);
  if (known) return known;
  const evaluation = options.tfjs ? evaluateTfjs(ctx, options, options.tfjs) : Promise.resolve().then(() => evaluate(ctx, options));
  byModel.set(options.model, evaluation);
  return evaluation;
}

async function evaluateTfjs(ctx: GradingContext, options: ModelEvaluationOptions, tfjs: NonNullable<ModelEvaluationOptions['tfjs']>): Promise<Evaluation> {
  const set = resolveHiddenSet(options.hidden);
  let model;
  try {
    model = await loadTfjsModel(ctx.files ?? [], tfjs.modelJson, { ...DEFAULT_TFJS_LIMITS, ...tfjs.limits });
  } catch (e) {
    if (e instanceof TfjsModelError) return { ok: false, missing: false, reason: `the uploaded TensorFlow.js model cannot be evaluated: ${e.message}`, set };
    throw e;
  }
  try {
    const scored = scoreOutputs(predictTfjs(model, set, options.batchSize ?? 256), set);
    return scored.ok ? { ok: true, scores: scored.scores, set } : { ok: false, missing: false, reason: scored.reason, set };
  } catch (e) {
    if (e instanceof TfjsModelError) return { ok: false, missing: false, reason: e.message, set };
    return { ok: false, missing: false, reason: `the uploaded TensorFlow.js model failed on the hidden inputs: ${(e as Error).message}`, set };
  } finally {
    model.dispose();
  }
}

function evaluate(ctx: GradingContext, options: ModelEvaluationOptions): Evaluation {
  const set = resolveHiddenSet(options.hidden);
  const id = evaluationCallId(options.model);
  if (!ctx.calls.has(id) && ctx.run?.outcome === 'completed' && ctx.run.response) {
    throw new GraderError(
      'MODEL_NOT_EVALUATED',
      `no evaluation of \`${options.model}\` was requested: add a model.accuracy check for it (its call ${id} evaluates the model for every other model check)`,
    );
  }
  if (!ctx.calls.has(id)) return { ok: false, missing: false, reason: sandboxFailureText(ctx).replace('the function', 'the model'), set };
  const outcome = callOutcome(ctx, id, options.model, options.timeoutS ?? 60);
  if (!outcome.ok) {
    const result = ctx.calls.get(id);
    const batch = result?.status === 'error' && result.batch
      ? ` on batch ${result.batch.index} of ${result.batch.count} (input rows ${result.batch.firstRow} to ${result.batch.lastRow}); ` +
        'the grader passes batches of any size, the last one smaller'
      : '';
    const reason = outcome.missing
      ? `the notebook defines no model \`${options.model}\` (a trained PyTorch nn.Module or a function from inputs to logits)`
      : `\`${options.model}\` ${outcome.reason}${batch}`;
    return { ok: false, missing: outcome.missing, reason, set };
  }
  const scored = scoreOutputs(outcome.value, set);
  return scored.ok ? { ok: true, scores: scored.scores, set } : { ok: false, missing: false, reason: scored.reason, set };
}
