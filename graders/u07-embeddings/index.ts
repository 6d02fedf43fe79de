import * as reference from '../../reference/index.js';
import { defineAssignment } from '../../src/grading/assignment.js';
import type { TestCase } from '../../src/grading/checks/function-check.js';
import { matchesReference } from '../../src/grading/checks/reference-match.js';
import { f64, int } from '../../src/grading/inputs.js';
import { starterOf } from '../common/paths.js';
import { r4, seeded } from '../common/random.js';
import { standardChecks } from '../common/standard-checks.js';

const ID = 'u07-embeddings';
const rng = seeded(7_01);
const emb = (rows: number, dims: number) => rng.matrix(rows, dims, () => r4(rng.normal(0, 1)));
const vec = (dims: number) => rng.vector(dims, () => r4(rng.normal(0, 1)));

const pairCases = (): TestCase[] => [
  { label: 'two 1-D vectors of 3 dims', inputs: [f64([1, 2, 3]), f64([-2, 0.5, 4])] },
  { label: 'two vectors pointing the same way at different lengths', inputs: [f64([1, 1, 0, 2]), f64([3, 3, 0, 6])] },
  { label: 'a batch of 5 pairs of 8-dim embeddings', inputs: [f64(emb(5, 8)), f64(emb(5, 8))] },
  { label: 'a batch of 2 pairs of 16-dim embeddings with large norms', inputs: [f64(emb(2, 16).map((r) => r.map((x) => x * 100))), f64(emb(2, 16))] },
];

const items = emb(20, 6);
const topKCases: TestCase[] = [
  { label: 'the 3 nearest of 20 items', inputs: [f64(vec(6)), f64(items), int(3)] },
  { label: 'the 5 nearest of 20 items (a query of a different length)', inputs: [f64(vec(6).map((x) => x * 7)), f64(items), int(5)] },
  { label: 'k = 1', inputs: [f64(items[4]!), f64(items), int(1)] },
  { label: 'k equal to the number of items', inputs: [f64([1, 0, 0]), f64([[0, 1, 0], [1, 0.1, 0], [-1, 0, 0], [0.5, 0.5, 0]]), int(4)] },
];

const ratingCases: TestCase[] = [
  { label: '2 users and 3 items in 2 dims', inputs: [f64([[1, 0.5], [-0.25, 2]]), f64([[0.5, 1], [1, 1], [2, -1]])] },
  { label: '7 users and 11 items in 4 dims', inputs: [f64(emb(7, 4)), f64(emb(11, 4))] },
  { label: 'one user', inputs: [f64(emb(1, 5)), f64(emb(9, 5))] },
];

export default defineAssignment({
  id: ID,
  title: 'Unit 7: embeddings: similarity, nearest items and predicted ratings',
  starterPath: starterOf(ID),
  checks: [
    ...standardChecks({ narrative: 2, placeholders: 1, execution: 1 }),
    matchesReference('cosine_similarity', reference.cosineSimilarity, {
      signature: 'cosine_similarity(a, b)',
      cases: pairCases(),
      points: 2,
      objectives: ['TM-Embeddings'],
      hint: 'cosine similarity is the dot product divided by the product of the norms, along the last axis.',
    }),
    matchesReference('euclidean_distance', reference.euclideanDistance, {
      signature: 'euclidean_distance(a, b)',
      cases: pairCases(),
      points: 2,
      objectives: ['TM-Embeddings'],
      hint: 'the Euclidean distance is sqrt(sum((a - b)**2)) along the last axis.',
    }),
    matchesReference('top_k', reference.topK, {
      signature: 'top_k(query, items, k)',
      cases: topKCases,
      points: 2,
      objectives: ['TM-Embeddings'],
      hint: 'rank items by cosine similarity to the query (not by dot product: lengths differ), most similar first, and return their indices.',
    }),
    matchesReference('predict_ratings', reference.predictRatings, {
      signature: 'predict_ratings(user_emb, item_emb)',
      cases: ratingCases,
      points: 2,
      objectives: ['TM-MatrixFactorization'],
      hint: 'predicted ratings are the dot products of every user with every item: user_emb @ item_emb.T, shape (users, items).',
    }),
  ],
});
