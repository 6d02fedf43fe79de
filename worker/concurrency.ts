/**
 * How many jobs one worker grades at once. Each job is one notebook kernel in a sandbox
 * that may use up to the sandbox's memory limit and about one core, so the machine's cores
 * and its memory over that limit bound how many can run side by side. `WORKER_CONCURRENCY`
 * (config.workerConcurrency > 0) overrides it.
 */
import { availableParallelism, totalmem } from 'node:os';
import type { Config } from '../src/config.js';

const MIB = 1024 * 1024;

export interface MachineResources {
  cores: number;
  /** Bytes this process may use: the cgroup's limit where there is one, else the machine's. */
  memoryBytes: number;
}

export function machineResources(): MachineResources {
  // 0, undefined or a huge number without a cgroup limit.
  const limit = process.constrainedMemory?.() ?? 0;
  const total = totalmem();
  return { cores: availableParallelism(), memoryBytes: limit > 0 && limit < total ? limit : total };
}

/** Concurrency from the machine: min(cores, memory / the sandbox's memory limit), at least 1. */
export function machineConcurrency(memoryLimitMb: number, machine: MachineResources = machineResources()): number {
  const byMemory = Math.floor(machine.memoryBytes / (memoryLimitMb * MIB));
  return Math.max(1, Math.min(machine.cores, byMemory));
}

/** The configured concurrency, or the machine's when it is 0 (the default). */
export function workerConcurrency(
  config: Pick<Config, 'workerConcurrency' | 'sandboxLimits'>,
  machine: MachineResources = machineResources(),
): number {
  return config.workerConcurrency > 0 ? config.workerConcurrency : machineConcurrency(config.sandboxLimits.memoryMb, machine);
}
