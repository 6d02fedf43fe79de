/**
 * Reference functions by the name an assignment spec uses (`reference: softmax`). A new
 * reference is added to reference/ and registered here once; specs then name it.
 */
import * as reference from '../../reference/index.js';
import type { ReferenceFn } from './checks/function-check.js';

const REFERENCES: ReadonlyMap<string, ReferenceFn> = new Map<string, ReferenceFn>([
  ['softmax', reference.softmax],
  ['log_softmax', reference.logSoftmax],
  ['temperature_softmax', reference.temperatureSoftmax],
  ['cross_entropy', reference.crossEntropy],
  ['bce_with_logits', reference.bceWithLogits],
  ['mae', reference.mae],
  ['mape', reference.mape],
  ['accuracy', reference.accuracy],
  ['cosine_similarity', reference.cosineSimilarity],
  ['euclidean_distance', reference.euclideanDistance],
  ['top_k', reference.topK],
  ['predict_ratings', reference.predictRatings],
  ['perplexity', reference.perplexity],
]);

export function referenceNames(): string[] {
  return [...REFERENCES.keys()];
}

export function findReference(name: string): ReferenceFn | undefined {
  return REFERENCES.get(name);
}
