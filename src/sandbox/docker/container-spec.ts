/**
 * The one place a sandbox container's settings are decided: limits from the config,
 * isolation that is not negotiable. Pure, so it is unit-tested field by field.
 */
import type { SandboxLimits } from '../../config.js';
import type { ContainerSpec } from './client.js';

export const SANDBOX_LABEL = 'autograder.sandbox';
export const WORKER_LABEL = 'autograder.worker';
export const POOLED_LABEL = 'autograder.pooled';
/** Modules a warm container's kernel imports before its job comes: nearly every notebook imports NumPy first. */
export const WARM_KERNEL_PRELOAD = 'numpy';

/** Where the job's files go; the harness's work directory and the kernel's cwd. */
export const WORK_DIR = '/work';

const MIB = 1024 * 1024;
/** /dev/shm stays writable under a read-only root; keep it small (it counts as memory). */
const SHM_MB = 16;
/** HOME of the kernel user: IPython profile, caches of libraries. */
const STUDENT_HOME_MB = 16;
/** HOME of the harness user: the kernel's connection file and sockets. */
const GRADER_HOME_MB = 8;
const OPEN_FILES = 4096;
/** The users of docker/sandbox/Dockerfile*: the harness's and the kernel's. */
const GRADER_UID = 61000;
const STUDENT_UID = 61001;
/**
 * The host's memory killer should take sandboxes before the worker that runs them
 * (raising a score needs no privilege; inside, the kernel raises its own to 1000).
 */
const HOST_OOM_SCORE_ADJ = 500;

export interface ContainerSpecInput {
  image: string;
  workerId: string;
  limits: SandboxLimits;
  /** MiB of /work beyond `limits.workDirMb`, for the submission's own files. */
  inputMb: number;
  gpu: boolean;
  /** GPUs a GPU job gets; -1 means all. */
  gpuCount: number;
  pooled: boolean;
}

export function sandboxLabels(workerId: string, pooled: boolean): Record<string, string> {
  return { [SANDBOX_LABEL]: '1', [WORKER_LABEL]: workerId, [POOLED_LABEL]: pooled ? '1' : '0' };
}

export function containerSpec(input: ContainerSpecInput): ContainerSpec {
  const { limits } = input;
  const labels = sandboxLabels(input.workerId, input.pooled);
  const memory = limits.memoryMb * MIB;
  const tmpfs = (sizeMb: number, extra: string) => `rw,nosuid,nodev,noexec,size=${sizeMb}m,${extra}`;
  return {
    Image: input.image,
    // Root only to run the launcher, which holds nothing but CAP_SETUID/SETGID/KILL and
    // immediately becomes `grader`; student code runs as `student` (docker/sandbox/launch).
    User: '0:0',
    // The harness starts its kernel first and then reads the request from stdin, so a
    // container started ahead of its job (the warm pool) has its kernel ready.
    Cmd: [],
    // BLAS and torch would otherwise start a thread per host CPU, far more than the quota.
    // A warm container also imports NumPy into its kernel while it waits for its job.
    Env: [
      `AUTOGRADER_KERNEL_THREADS=${Math.max(1, Math.ceil(limits.cpus))}`,
      ...(input.pooled ? [`AUTOGRADER_KERNEL_PRELOAD=${WARM_KERNEL_PRELOAD}`] : []),
    ],
    WorkingDir: WORK_DIR,
    Hostname: 'sandbox',
    Labels: labels,
    Tty: false,
    // The request arrives on stdin, the response leaves on stdout; stdin closes after the request.
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      Memory: memory,
      MemorySwap: memory, // equal to Memory: no swap
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: limits.pids,
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      CapAdd: ['SETUID', 'SETGID', 'KILL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      Init: true, // docker-init reaps what student code orphans
      IpcMode: 'private',
      ShmSize: SHM_MB * MIB,
      OomScoreAdj: HOST_OOM_SCORE_ADJ,
      Ulimits: [
        { Name: 'core', Soft: 0, Hard: 0 },
        { Name: 'nofile', Soft: OPEN_FILES, Hard: OPEN_FILES },
      ],
      // Output travels over the attach stream only; nothing is written to the host's disk.
      LogConfig: { Type: 'none', Config: {} },
      Tmpfs: {
        '/tmp': tmpfs(limits.workDirMb, 'mode=1777'),
        '/home/student': tmpfs(STUDENT_HOME_MB, `uid=${STUDENT_UID},gid=${STUDENT_UID},mode=0700`),
        '/home/grader': tmpfs(GRADER_HOME_MB, `uid=${GRADER_UID},gid=${GRADER_UID},mode=0711`),
      },
      // The work directory is a tmpfs too (size-capped, in memory, gone with the
      // container), but mounted as an anonymous *volume*: the engine refuses
      // putArchive into a read-only root and into plain tmpfs mounts, not into volumes.
      Mounts: [{
        Type: 'volume',
        Target: WORK_DIR,
        Source: '',
        VolumeOptions: {
          NoCopy: false,
          Labels: labels,
          DriverConfig: {
            Name: 'local',
            Options: { type: 'tmpfs', device: 'tmpfs', o: `size=${limits.workDirMb + input.inputMb}m,mode=1777,nosuid,nodev,noexec` },
          },
        },
      }],
      DeviceRequests: input.gpu
        ? [{ Driver: 'nvidia', Count: input.gpuCount, Capabilities: [['gpu']] }]
        : undefined,
    },
  };
}
