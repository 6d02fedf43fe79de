import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { machineConcurrency, machineResources, workerConcurrency } from '../../../worker/concurrency.js';

const GIB = 1024 ** 3;

describe('worker concurrency', () => {
  it('defaults to the machine: its cores, bounded by memory over the sandbox memory limit', () => {
    const config = loadConfig({});
    expect(config.workerConcurrency).toBe(0);
    expect(workerConcurrency(config, { cores: 8, memoryBytes: 64 * GIB })).toBe(8);
    // 2 GiB per sandbox (the default limit): 5 GiB holds two.
    expect(workerConcurrency(config, { cores: 8, memoryBytes: 5 * GIB })).toBe(2);
    expect(workerConcurrency(loadConfig({ SANDBOX_MEMORY_MB: '512' }), { cores: 8, memoryBytes: 5 * GIB })).toBe(8);
  });

  it('is at least 1, even where one sandbox does not fit', () => {
    expect(machineConcurrency(2048, { cores: 4, memoryBytes: 1 * GIB })).toBe(1);
  });

  it('is overridden by WORKER_CONCURRENCY', () => {
    expect(workerConcurrency(loadConfig({ WORKER_CONCURRENCY: '3' }), { cores: 64, memoryBytes: 512 * GIB })).toBe(3);
  });

  it('reads this machine', () => {
    const machine = machineResources();
    expect(machine.cores).toBeGreaterThanOrEqual(1);
    expect(machine.memoryBytes).toBeGreaterThan(0);
    expect(workerConcurrency(loadConfig({}))).toBe(machineConcurrency(2048, machine));
  });
});
