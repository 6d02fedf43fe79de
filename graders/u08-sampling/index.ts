import * as reference from '../../reference/index.js';
import { defineAssignment } from '../../src/grading/assignment.js';
import { distribution } from '../../src/grading/checks/distribution.js';
import type { TestCase } from '../../src/grading/checks/function-check.js';
import { matchesReference } from '../../src/grading/checks/reference-match.js';
import { softmaxStability } from '../../src/grading/checks/stability.js';
import { f64, float } from '../../src/grading/inputs.js';
import { starterOf } from '../common/paths.js';
import { r4, seeded } from '../common/random.js';
import { standardChecks } from '../common/standard-checks.js';

const ID = 'u08-sampling';
const rng = seeded(8_01);
const logits = (n: number, sd = 2) => rng.vector(n, () => r4(rng.normal(0, sd)));

const temperatureCases: TestCase[] = [
  { label: 'a 1-D vector of 5 logits at t = 1', inputs: [f64([2, 1, 0.5, 0, -1]), float(1)] },
  { label: 'a 1-D vector of 8 logits at t = 0.5', inputs: [f64(logits(8)), float(0.5)] },
  { label: 'a 1-D vector of 8 logits at t = 2', inputs: [f64(logits(8)), float(2)] },
  { label: 'a batch of 3 rows of 6 logits at t = 0.7', inputs: [f64([logits(6), logits(6), logits(6)]), float(0.7)] },
];

const temperatureLimitCases: TestCase[] = [
  { label: 'temperature 1e-3 (close to greedy)', inputs: [f64([10, 5, 2, 9.5]), float(1e-3)] },
  { label: 'temperature 1e-4 on a batch', inputs: [f64([[1, 3, 2], [4, 0, -4]]), float(1e-4)] },
  { label: 'temperature 1e3 (close to uniform)', inputs: [f64([10, 5, 2, 9.5]), float(1e3)] },
  { label: 'large logits at t = 0.5', inputs: [f64([1000, 999, 990]), float(0.5)] },
];

const samplingLogits = [2, 1, 0.5, 0, -1, 1.5];

export default defineAssignment({
  id: ID,
  title: 'Unit 8: language models: temperature, sampling and perplexity',
  starterPath: starterOf(ID),
  checks: [
    ...standardChecks({ narrative: 2, placeholders: 1, execution: 1 }),
    matchesReference('apply_temperature', reference.temperatureSoftmax, {
      signature: 'apply_temperature(logits, t)',
      cases: temperatureCases,
      points: 3,
      objectives: ['TM-LanguageModels'],
      hint: 'apply_temperature returns probabilities: softmax(logits / t) along the last axis.',
    }),
    softmaxStability('apply_temperature', reference.temperatureSoftmax, {
      signature: 'apply_temperature(logits, t)',
      cases: temperatureLimitCases,
      points: 2,
      objectives: ['TM-LanguageModels'],
      hint: 'Hint: dividing by a small t makes the logits huge and exp() overflows. Subtract the largest scaled logit of each row before exponentiating.',
    }),
    distribution('sample', {
      signature: 'sample(logits, t, n, seed)',
      probabilities: (l, t) => reference.temperatureSoftmax(l, t),
      cases: [
        { label: '4000 draws at t = 1', logits: samplingLogits, temperature: 1, n: 4000, seed: 11 },
        { label: '4000 draws at t = 0.5', logits: samplingLogits, temperature: 0.5, n: 4000, seed: 12 },
        { label: '4000 draws at t = 2', logits: samplingLogits, temperature: 2, n: 4000, seed: 13 },
        { label: '500 draws at t = 0.01 (nearly greedy)', logits: samplingLogits, temperature: 0.01, n: 500, seed: 14 },
      ],
      points: 3,
      objectives: ['TM-LanguageModels'],
    }),
    matchesReference('perplexity', reference.perplexity, {
      signature: 'perplexity(token_logprobs)',
      cases: [
        { label: 'uniform log-probabilities over 50 tokens', inputs: [f64(new Array(10).fill(-Math.log(50)))] },
        { label: '20 token log-probabilities', inputs: [f64(rng.vector(20, () => r4(-rng.uniform(0.05, 6))))] },
        { label: 'three tokens', inputs: [f64([-2.5, -0.125, -4])] },
      ],
      points: 2,
      objectives: ['TM-LanguageModels'],
      hint: 'perplexity is exp of the mean negative log-probability (natural log).',
    }),
  ],
});
