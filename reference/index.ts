/**
 * Reference implementations of the course's unit tasks: the ground truth every student
 * answer is held against. Pure functions over TensorFlow.js tensors (float32: TF.js has no
 * float64), plus plain-number statistics. Nothing here imports src/.
 */
export {
  initTensorBackend,
  requestTensorBackend,
  skippedTensorBackends,
  tensorBackendName,
  TENSOR_BACKEND_ENV,
  TENSOR_BACKENDS,
  type SkippedTensorBackend,
  type TensorBackend,
} from './backend.js';
export { cosineSimilarity, euclideanDistance, predictRatings, topK } from './embeddings.js';
export { ReferenceInputError, ReferenceLibraryError, TensorBackendError, type ReferenceErrorKind } from './errors.js';
export { perplexity } from './language.js';
export { bceWithLogits, crossEntropy } from './losses.js';
export { accuracy, mae, mape } from './metrics.js';
export { logSoftmax, softmax, temperatureSoftmax } from './softmax.js';
export {
  chiSquarePValue,
  chiSquareStatistic,
  logGamma,
  mulberry32,
  regularizedUpperGamma,
  sampleCategorical,
  type RandomSource,
} from './stats.js';
