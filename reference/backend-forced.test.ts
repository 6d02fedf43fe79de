import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initTensorBackend, requestTensorBackend, softmax, tensorBackendName } from './index.js';
import { assertTensorClose, FLOAT32 } from './test-support.js';

// Its own file: the choice is made once per process (module), and these tests make it.
const require = createRequire(import.meta.url);
const nodeInstalled = (() => {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

describe('requestTensorBackend (AUTOGRADER_TENSOR_BACKEND)', () => {
  it.skipIf(nodeInstalled)('fails, rather than falling back, when the forced backend is not installed', async () => {
    requestTensorBackend('node');
    const failure = initTensorBackend();
    await expect(failure).rejects.toMatchObject({ kind: 'platform', code: 'TENSOR_BACKEND_UNAVAILABLE' });
    await expect(failure).rejects.toThrow(/AUTOGRADER_TENSOR_BACKEND=node .* is not installed/);
    expect(() => tensorBackendName()).toThrow(/not initialised/);
  });

  it('forces cpu after failed attempts (failures are not cached), and the references run on it', async () => {
    requestTensorBackend('cpu');
    expect(await initTensorBackend()).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(tensorBackendName()).toBe('cpu');
    assertTensorClose(softmax(tf.tensor1d([1, 2, 3])), [0.09003057317038043, 0.24472847105479767, 0.6652409557748218], [3], FLOAT32);
  });
});
