/**
 * The `process` sandbox: the harness as a child process of this one, with rlimits on
 * its kernel and a wall-clock limit. It is NOT isolation: student code runs as our user,
 * can read what we can read and reach the network. For development and single-user use.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { Config, SandboxLimits } from '../config.js';
import { GraderError, PlatformError, UsageError } from '../errors.js';
import type { Logger } from '../logger.js';
import { runCappedChild, type CappedChildResult } from './capped-child.js';
import { harnessDir } from './harness-path.js';
import { parseHarnessResponse } from './harness-response.js';
import { createJobDir, removeJobDir, sweepStaleJobDirs, type JobDir } from './job-dir.js';
import { HarnessRequestSchema } from './protocol.js';
import type { Sandbox, SandboxJob, SandboxRun } from './sandbox.js';

/** Beyond the request's totalTimeoutS: Python and kernel start-up, shutdown. */
const WALL_MARGIN_S = 10;
const KILL_GRACE_MS = 2000;
const STDERR_TAIL_BYTES = 8 * 1024;
const CUDA_PROBE_TIMEOUT_MS = 120_000;
/** Variables of ours the harness may need; nothing else (no PATH of ours, no tokens, no database URLs). */
const PASSED_ENV = ['LANG', 'LC_ALL', 'TZ', 'LD_LIBRARY_PATH', 'CUDA_VISIBLE_DEVICES'] as const;
/**
 * The system's directories only: not ours (pyenv shims, ~/.local/bin, tool folders), so a
 * notebook's `!pip` or `!python` is the system's, never a tool of the grading host's user.
 */
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';
/**
 * pip in the kernel installs nothing: it refuses outside a virtualenv (the system python is
 * not one), has no index to download from, and reads no configuration of ours.
 */
export const PIP_GUARDS: Readonly<Record<string, string>> = Object.freeze({
  PIP_REQUIRE_VIRTUALENV: 'true',
  PIP_NO_INDEX: 'true',
  PIP_CONFIG_FILE: '/dev/null',
  PIP_DISABLE_PIP_VERSION_CHECK: 'true',
});

export interface ProcessSandboxOptions {
  python: string;
  limits: SandboxLimits;
  logger: Logger;
}

interface CudaProbe {
  available: boolean;
  detail: string;
}

export class ProcessSandbox implements Sandbox {
  readonly kind = 'process' as const;
  private readonly harness = join(harnessDir(), 'harness.py');
  /** Resolved once on our PATH: the harness's PATH is SANDBOX_PATH, which may not hold it. */
  private readonly python: string;
  private readonly closing = new AbortController();
  private cuda: Promise<CudaProbe> | undefined;
  /** Job folders a SIGKILLed worker left behind, removed once before this sandbox's first job. */
  private swept: Promise<void> | undefined;

  constructor(private readonly options: ProcessSandboxOptions) {
    this.python = resolveCommand(options.python);
  }

  private sweepOnce(): Promise<void> {
    return (this.swept ??= sweepStaleJobDirs().then(
      (removed) => {
        if (removed.length > 0) this.options.logger.info({ removed }, 'removed job folders left by a worker that was killed');
      },
      (error: unknown) => this.options.logger.warn({ err: (error as Error).message }, 'could not sweep stale job folders'),
    ));
  }

  async run(job: SandboxJob, signal?: AbortSignal): Promise<SandboxRun> {
    if (this.closing.signal.aborted) throw new PlatformError('SANDBOX_CLOSED', 'the process sandbox was closed');
    const parsedRequest = HarnessRequestSchema.safeParse(job.request);
    if (!parsedRequest.success) {
      throw new GraderError('BAD_HARNESS_REQUEST', `the harness request is invalid: ${parsedRequest.error.message}`);
    }
    const request = parsedRequest.data;
    if (job.gpu) {
      const cuda = await this.probeCuda();
      if (!cuda.available) {
        return { outcome: 'no_gpu', response: undefined, detail: cuda.detail, exitCode: null, stderrTail: '', wallMs: 0 };
      }
    }
    const limits: SandboxLimits = { ...this.options.limits, ...job.limits };
    await this.sweepOnce();
    const dir = await createJobDir(job);
    try {
      const child = await runCappedChild({
        command: this.python,
        args: [this.harness, dir.work],
        cwd: dir.work,
        env: harnessEnv(dir, limits, job.gpu),
        stdin: JSON.stringify(request),
        maxStdoutBytes: limits.maxResponseBytes,
        stderrTailBytes: STDERR_TAIL_BYTES,
        timeoutMs: (request.limits.totalTimeoutS + WALL_MARGIN_S) * 1000,
        killGraceMs: KILL_GRACE_MS,
        signal: signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal,
      });
      if (child.aborted) {
        signal?.throwIfAborted();
        throw new PlatformError('SANDBOX_CLOSED', 'the process sandbox was closed while a job ran');
      }
      return toRun(child, limits, request.limits.totalTimeoutS + WALL_MARGIN_S);
    } finally {
      await removeJobDir(dir).catch((error: unknown) => {
        this.options.logger.warn({ err: error, dir: dir.root }, 'could not remove a sandbox job folder');
      });
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
  }

  private probeCuda(): Promise<CudaProbe> {
    this.cuda ??= probeTorchCuda(this.options.python);
    return this.cuda;
  }
}

function toRun(child: CappedChildResult, limits: SandboxLimits, wallLimitS: number): SandboxRun {
  const base = { exitCode: child.exitCode, stderrTail: child.stderrTail, wallMs: child.wallMs };
  if (child.stdoutOverflow) {
    return { ...base, outcome: 'output_limit', response: undefined,
      detail: `the harness wrote more than ${limits.maxResponseBytes} bytes to stdout and was stopped` };
  }
  if (child.timedOut) {
    return { ...base, outcome: 'timeout', response: undefined,
      detail: `the harness ran longer than ${wallLimitS} s and was stopped` };
  }
  const parsed = parseHarnessResponse(child.stdout, limits.maxResponseBytes);
  if (parsed.ok) return { ...base, outcome: 'completed', response: parsed.response };
  if (child.signal === 'SIGKILL') {
    return { ...base, outcome: 'oom', response: undefined,
      detail: 'the harness was killed by SIGKILL, most likely by the out-of-memory killer' };
  }
  const how = child.signal ? `was killed by ${child.signal}` : `exited with status ${child.exitCode}`;
  const stdin = child.stdinError ? ` (its request could not be written: ${child.stdinError})` : '';
  return { ...base, outcome: 'crashed', response: undefined,
    detail: `the harness ${how}${stdin}: ${parsed.detail}; last stderr line: ${lastLine(child.stderrTail)}` };
}

/** The harness's whole environment: a few of ours, and its kernel's limits. */
function harnessEnv(dir: JobDir, limits: SandboxLimits, gpu: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_ENV) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  Object.assign(env, PIP_GUARDS, {
    PATH: SANDBOX_PATH,
    LANG: env.LANG ?? 'C.UTF-8',
    HOME: dir.home,
    TMPDIR: dir.tmp,
    // The harness dies with this process (PR_SET_PDEATHSIG), so a SIGKILLed worker leaves no harness or kernel running.
    AUTOGRADER_PARENT_PID: String(process.pid),
    AUTOGRADER_KERNEL_FILE_MB: String(limits.workDirMb),
    AUTOGRADER_KERNEL_PIDS: String(limits.pids),
    AUTOGRADER_KERNEL_THREADS: String(Math.max(1, Math.ceil(limits.cpus))),
  });
  // CUDA reserves far more address space than it uses; a GPU kernel gets no memory rlimit.
  if (!gpu) env.AUTOGRADER_KERNEL_MEMORY_MB = String(limits.memoryMb);
  return env;
}

/** A bare command name as our PATH resolves it (absolute paths and paths with a folder are kept). */
export function resolveCommand(command: string, path = process.env.PATH ?? ''): string {
  if (command.includes('/')) return command;
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder; try the next
    }
  }
  return command;
}

async function probeTorchCuda(python: string): Promise<CudaProbe> {
  const script = 'import torch, sys; sys.stdout.write("yes" if torch.cuda.is_available() else "no")';
  try {
    const { stdout } = await promisify(execFile)(python, ['-c', script], { timeout: CUDA_PROBE_TIMEOUT_MS });
    return stdout.trim() === 'yes'
      ? { available: true, detail: 'torch.cuda is available' }
      : { available: false, detail: `this assignment needs a GPU, and torch.cuda is not available to ${python}` };
  } catch (error) {
    return { available: false, detail: `this assignment needs a GPU, and ${python} could not check for one: ${lastLine((error as Error).message)}` };
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] || '(none)';
}

let warned = false;

/**
 * The process sandbox, after a loud warning (once per process). Production refuses it
 * unless allowProcessSandbox is set.
 */
export function createProcessSandbox(config: Config, logger: Logger): ProcessSandbox {
  if (config.environment === 'production' && !config.allowProcessSandbox) {
    throw new UsageError(
      'PROCESS_SANDBOX_REFUSED',
      'the process sandbox runs student code without isolation and is refused in production; '
        + 'use the docker sandbox (AUTOGRADER_SANDBOX=docker) or, accepting the risk, set AUTOGRADER_ALLOW_PROCESS_SANDBOX=true',
    );
  }
  if (!warned) {
    warned = true;
    logger.warn(
      { sandbox: 'process', python: config.python },
      'SANDBOX IS NOT ISOLATED: the process sandbox runs student notebooks as this user, with access to '
        + 'its files and the network. Use it for development only; use the docker sandbox for real submissions.',
    );
  }
  return new ProcessSandbox({ python: config.python, limits: config.sandboxLimits, logger });
}
