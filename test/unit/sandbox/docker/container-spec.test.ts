import { describe, expect, it } from 'vitest';
import { SandboxLimitsSchema } from '../../../../src/config.js';
import { containerSpec, type ContainerSpecInput } from '../../../../src/sandbox/docker/container-spec.js';

const limits = SandboxLimitsSchema.parse({ memoryMb: 1024, cpus: 1.5, pids: 100, workDirMb: 48 });
const input: ContainerSpecInput = {
  image: 'autograder-sandbox:abc', workerId: 'w1', limits, inputMb: 3, gpu: false, gpuCount: 2, pooled: false,
};

describe('containerSpec', () => {
  const spec = containerSpec(input);
  const host = spec.HostConfig!;

  it('takes limits from the configuration, with no swap', () => {
    expect(host.Memory).toBe(1024 * 1024 * 1024);
    expect(host.MemorySwap).toBe(host.Memory);
    expect(host.NanoCpus).toBe(1.5e9);
    expect(host.PidsLimit).toBe(100);
    expect(spec.Env).toEqual(['AUTOGRADER_KERNEL_THREADS=2']);
  });

  it('isolates: no network, read-only root, no capabilities but the user switch, no new privileges', () => {
    expect(host.NetworkMode).toBe('none');
    expect(spec.NetworkDisabled).toBe(true);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.CapDrop).toEqual(['ALL']);
    expect(host.CapAdd).toEqual(['SETUID', 'SETGID', 'KILL']);
    expect(host.SecurityOpt).toEqual(['no-new-privileges']);
    expect(host.Privileged).toBe(false);
    expect(host.IpcMode).toBe('private');
    expect(host.Ulimits).toContainEqual({ Name: 'core', Soft: 0, Hard: 0 });
    expect(host.ShmSize).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect(host.LogConfig?.Type).toBe('none');
  });

  it('mounts nothing of the host: only tmpfs and an anonymous tmpfs-backed volume for /work', () => {
    expect(host.Binds).toBeUndefined();
    expect(Object.keys(host.Tmpfs ?? {}).sort()).toEqual(['/home/grader', '/home/student', '/tmp']);
    expect(host.Mounts).toHaveLength(1);
    const work = host.Mounts![0]!;
    expect(work).toMatchObject({ Type: 'volume', Target: '/work', Source: '' });
    expect(work.VolumeOptions?.DriverConfig.Options).toMatchObject({ type: 'tmpfs', device: 'tmpfs' });
    expect(work.VolumeOptions?.DriverConfig.Options.o).toContain('size=51m'); // workDirMb + the job's files
  });

  it('labels the container and its volume for the reaper', () => {
    expect(spec.Labels).toEqual({ 'autograder.sandbox': '1', 'autograder.worker': 'w1', 'autograder.pooled': '0' });
    expect(host.Mounts![0]!.VolumeOptions?.Labels).toEqual(spec.Labels);
  });

  it('takes the request on stdin, once', () => {
    expect(spec).toMatchObject({ OpenStdin: true, StdinOnce: true, AttachStdin: true, Tty: false, Cmd: [] });
  });

  it('has a warm container import NumPy into its kernel while it waits; an on-demand one does not', () => {
    expect(containerSpec({ ...input, pooled: true }).Env).toEqual(['AUTOGRADER_KERNEL_THREADS=2', 'AUTOGRADER_KERNEL_PRELOAD=numpy']);
    expect(spec.Env).not.toContainEqual(expect.stringMatching(/PRELOAD/));
  });

  it('asks for GPUs only for GPU jobs', () => {
    expect(host.DeviceRequests).toBeUndefined();
    expect(containerSpec({ ...input, gpu: true }).HostConfig!.DeviceRequests).toEqual([
      { Driver: 'nvidia', Count: 2, Capabilities: [['gpu']] },
    ]);
  });
});
