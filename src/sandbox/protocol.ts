/**
 * The harness protocol: what the grader sends into the sandbox and what comes back.
 * The harness (sandbox/harness/harness.py) implements the other side. Everything that
 * comes back is hostile until parsed with these schemas.
 *
 * Arrays cross as `{dtype, shape, b64}` with little-endian bytes, so NaN, ±Inf and
 * float64 survive exactly.
 */
import { z } from 'zod';

export const HARNESS_PROTOCOL_VERSION = 1;

export const ArrayDtypeSchema = z.enum([
  'float64', 'float32', 'float16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool',
]);
export type ArrayDtype = z.infer<typeof ArrayDtypeSchema>;

export const EncodedArraySchema = z.object({
  dtype: ArrayDtypeSchema,
  shape: z.array(z.number().int().nonnegative()).max(8),
  b64: z.string(),
});
export type EncodedArray = z.infer<typeof EncodedArraySchema>;

/** An argument of a function call: an array (NumPy or PyTorch, per the call) or a plain scalar. */
export const CallArgSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('array'), array: EncodedArraySchema }),
  z.object({ kind: z.literal('int'), value: z.number().int() }),
  z.object({ kind: z.literal('float'), value: z.number() }),
  z.object({ kind: z.literal('str'), value: z.string() }),
]);
export type CallArg = z.infer<typeof CallArgSchema>;

export const FunctionCallSchema = z.object({
  /** Unique within a request; by convention `<checkId>#<n>`. */
  id: z.string().min(1),
  /** A top-level name the notebook defines. */
  fn: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  /** Other names accepted for `fn`, tried in order when the notebook does not define `fn`. */
  aliases: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).optional(),
  args: z.array(CallArgSchema),
  /** How array arguments are handed to the student's function. */
  arrayType: z.enum(['numpy', 'torch']).default('numpy'),
  /**
   * Present: `fn` names a model (a PyTorch nn.Module or any callable) evaluated on the one
   * array argument (inputs only): in eval mode, under torch.no_grad, batch by batch; the
   * outputs come back concatenated as one array. A batch that raises ends the call with an
   * error naming the batch.
   */
  model: z.object({
    batchSize: z.number().int().positive().max(1 << 20),
    /** Overrides limits.callTimeoutS for this call (a forward pass over a hidden set). */
    timeoutS: z.number().positive().optional(),
    /**
     * A submitted PyTorch state_dict (path relative to the notebook) loaded into the model
     * with torch.load(weights_only=True) before it is evaluated: a model trained elsewhere.
     */
    stateDict: z.string().regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^\0]+$/, 'a relative path inside the submission').optional(),
  }).optional(),
});
export type FunctionCall = z.infer<typeof FunctionCallSchema>;

export const HarnessLimitsSchema = z.object({
  /** A cell running longer is interrupted; the rest still runs. */
  cellTimeoutS: z.number().positive(),
  /** The whole run (all cells and calls). */
  totalTimeoutS: z.number().positive(),
  /** One function call. */
  callTimeoutS: z.number().positive(),
  /** Largest encoded value one call may return. */
  maxReturnBytes: z.number().int().positive(),
});
export type HarnessLimits = z.infer<typeof HarnessLimitsSchema>;

export const HarnessRequestSchema = z.object({
  v: z.literal(HARNESS_PROTOCOL_VERSION),
  /** Path of the notebook relative to the harness's work directory. */
  notebook: z.string().min(1),
  calls: z.array(FunctionCallSchema),
  limits: HarnessLimitsSchema,
});
export type HarnessRequest = z.infer<typeof HarnessRequestSchema>;

export const CellStatusSchema = z.enum(['ok', 'error', 'timeout', 'kernel_died', 'skipped']);
export type CellStatus = z.infer<typeof CellStatusSchema>;

const shortText = z.string().transform((s) => (s.length > 2000 ? `${s.slice(0, 2000)}…` : s));

export const CellReportSchema = z.object({
  /** Index among all cells of the notebook (markdown included). */
  index: z.number().int().nonnegative(),
  status: CellStatusSchema,
  ename: shortText.optional(),
  evalue: shortText.optional(),
  ms: z.number().nonnegative(),
});
export type CellReport = z.infer<typeof CellReportSchema>;

/** The name the notebook defined that was called: `fn` or one of its aliases. */
const calledName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional();

export const CallResultSchema = z.discriminatedUnion('status', [
  z.object({ id: z.string(), status: z.literal('ok'), value: EncodedArraySchema, name: calledName }),
  /**
   * The function raised. `line`: the line of the notebook's own code that raised it (the
   * innermost cell frame), shown to students instead of `evalue`, which can carry the
   * hidden inputs back.
   */
  z.object({
    id: z.string(),
    status: z.literal('error'),
    ename: shortText,
    evalue: shortText,
    name: calledName,
    line: z.object({ lineno: z.number().int().nonnegative(), text: shortText }).optional(),
    /** For a model evaluation: the batch that raised (1-based index, its first and last input rows). */
    batch: z.object({
      index: z.number().int().positive(),
      count: z.number().int().positive(),
      firstRow: z.number().int().nonnegative(),
      lastRow: z.number().int().nonnegative(),
    }).optional(),
  }),
  /** The notebook defines no callable of that name. */
  z.object({ id: z.string(), status: z.literal('missing') }),
  /** It returned something we do not accept (custom object, subclass, ragged list, too big). */
  z.object({ id: z.string(), status: z.literal('refused'), reason: shortText, name: calledName }),
  z.object({ id: z.string(), status: z.literal('timeout') }),
]);
export type CallResult = z.infer<typeof CallResultSchema>;

export const HarnessResponseSchema = z.object({
  v: z.literal(HARNESS_PROTOCOL_VERSION),
  cells: z.array(CellReportSchema),
  /** Times the kernel was restarted after it died or could not be interrupted. */
  kernelRestarts: z.number().int().nonnegative(),
  calls: z.array(CallResultSchema),
  /** The run as a whole ran past totalTimeoutS; later cells are `skipped`. */
  totalTimeout: z.boolean(),
  /** Problems of the harness itself (not of the student's code). */
  harnessErrors: z.array(shortText),
});
export type HarnessResponse = z.infer<typeof HarnessResponseSchema>;
