import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initTensorBackend, requestTensorBackend, skippedTensorBackends, TensorBackendError, tensorBackendName } from './index.js';

const require = createRequire(import.meta.url);
function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
const nativeInstalled = installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node');

describe('initTensorBackend (automatic choice)', () => {
  it('has no backend name before initialisation', () => {
    expect(() => tensorBackendName()).toThrow(TensorBackendError);
    expect(() => tensorBackendName()).toThrow(/await initTensorBackend\(\)/);
  });

  it.skipIf(nativeInstalled)('falls back to wasm where the native packages are not installed, saying why', async () => {
    expect(await initTensorBackend()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tensorBackendName()).toBe('wasm');
    expect(skippedTensorBackends().map((s) => s.backend)).toEqual(['node-gpu', 'node']);
    for (const skipped of skippedTensorBackends()) expect(skipped.reason).toMatch(/is not installed/);
  });

  it.runIf(nativeInstalled)('chooses a native backend where one is installed', async () => {
    expect(['node-gpu', 'node']).toContain(await initTensorBackend());
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('is idempotent: later and concurrent calls give the same backend', async () => {
    const first = await initTensorBackend();
    const [a, b] = await Promise.all([initTensorBackend(), initTensorBackend()]);
    expect([a, b]).toEqual([first, first]);
    expect(() => requestTensorBackend(first === 'cpu' ? 'wasm' : 'cpu')).toThrow(/already running/);
    expect(await initTensorBackend()).toBe(first);
    expect(tensorBackendName()).toBe(first);
  });
});
