/**
 * Whether this machine can take GPU assignments. A worker that says yes consumes the
 * `grading-gpu` queue too; one that says no never sees GPU jobs.
 */
import { existsSync } from 'node:fs';

export type GpuSetting = 'auto' | 'yes' | 'no';

/** The device nodes the NVIDIA driver creates; present on a GPU box and in a GPU container. */
const NVIDIA_DEVICES = ['/dev/nvidiactl', '/dev/nvidia0'];

export function machineHasGpu(exists: (path: string) => boolean = existsSync): boolean {
  return NVIDIA_DEVICES.some((d) => exists(d));
}

export function servesGpu(setting: GpuSetting, exists: (path: string) => boolean = existsSync): boolean {
  if (setting === 'yes') return true;
  if (setting === 'no') return false;
  return machineHasGpu(exists);
}
