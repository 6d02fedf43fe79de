/**
 * One sandbox run as small named steps over a shared context (STYLE.md practice 5):
 *
 *   launchContainer → copyJobFiles → sendRequest → awaitExit → collectResult; the caller
 *   removes the container on every path (in the background once the result is read).
 *
 * A container is launched (created, attached, started: the harness starts the kernel
 * and waits for its request) either on demand or ahead of time by the warm pool; the
 * rest is the same for both.
 */
import type { SandboxLimits } from '../../config.js';
import { PlatformError, coerceError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { parseHarnessResponse } from '../harness-response.js';
import type { SandboxJob, SandboxOutcome, SandboxRun } from '../sandbox.js';
import { engineMessage, short, type ContainerSpec, type SandboxClient } from './client.js';
import { WORK_DIR } from './container-spec.js';
import { jobArchive } from './job-archive.js';
import { CappedOutput, OutputTail } from '../output.js';

const STDERR_TAIL_BYTES = 8 * 1024;
/** After the container stops, how long its last output may take to arrive. */
const DRAIN_MS = 2_000;
const NO_GPU = /could not select device driver/i;

export interface LaunchedContainer {
  id: string;
  stdin: NodeJS.WritableStream;
  stdout: CappedOutput;
  stderr: OutputTail;
  launchedAt: number;
}

export type StopReason = 'timeout' | 'output_limit' | 'aborted';

export interface RunContext {
  readonly client: SandboxClient;
  readonly log: Logger;
  readonly job: SandboxJob;
  readonly limits: SandboxLimits;
  /** Wall-clock seconds from the request to the kill. */
  readonly deadlineS: number;
  readonly signal: AbortSignal | undefined;
  readonly startedAt: number;
  container?: LaunchedContainer;
  stoppedBy?: StopReason;
}

/** The machine has no GPU for a GPU job; the run ends as `no_gpu`, nothing is retried here. */
export class NoGpuError extends PlatformError {
  constructor(detail: string) {
    super('SANDBOX_NO_GPU', `this assignment needs a GPU worker (${detail})`);
    this.name = 'NoGpuError';
  }
}

export async function launchContainer(client: SandboxClient, spec: ContainerSpec, maxResponseBytes: number, log: Logger): Promise<LaunchedContainer> {
  const id = await client.create(spec);
  try {
    const stdio = await client.attach(id);
    const container: LaunchedContainer = {
      id,
      stdin: stdio.stdin,
      stdout: new CappedOutput(stdio.stdout, maxResponseBytes),
      stderr: new OutputTail(stdio.stderr, STDERR_TAIL_BYTES),
      launchedAt: Date.now(),
    };
    // A container that exits before its request was written must not crash the worker with EPIPE.
    stdio.stdin.on('error', (e: Error) => log.debug({ container: short(id), err: e }, 'sandbox stdin closed early'));
    try {
      await client.start(id);
    } catch (e) {
      if (NO_GPU.test(engineMessage(e))) throw new NoGpuError(engineMessage(e));
      throw e;
    }
    return container;
  } catch (e) {
    await removeQuietly(client, id, log);
    if (e instanceof NoGpuError) throw e;
    throw new PlatformError('DOCKER_START_FAILED', `could not start a sandbox container: ${engineMessage(e)}`, { cause: e });
  }
}

function requireContainer(ctx: RunContext): LaunchedContainer {
  if (!ctx.container) throw new Error('no container launched for this run');
  return ctx.container;
}

export async function copyJobFiles(ctx: RunContext): Promise<void> {
  const container = requireContainer(ctx);
  const archive = await jobArchive(ctx.job);
  try {
    await ctx.client.putArchive(container.id, archive.tar, WORK_DIR);
  } catch (e) {
    // A container that already stopped (its harness crashed on start) is reported as
    // such by collectResult; anything else is the engine failing.
    const state = await ctx.client.inspect(container.id).catch(() => undefined);
    if (state && !state.running) {
      ctx.log.warn({ container: short(container.id), err: coerceError(e) }, 'sandbox container stopped before its files arrived');
      return;
    }
    throw new PlatformError('DOCKER_COPY_FAILED', `could not copy the submission into the sandbox: ${engineMessage(e)}`, { cause: e });
  }
}

export function sendRequest(ctx: RunContext): void {
  const container = requireContainer(ctx);
  container.stdout.setLimit(ctx.limits.maxResponseBytes);
  // Not awaited: a container that is gone never acknowledges the write, and awaitExit
  // (with its deadline) is what waits for the harness anyway. Write errors are logged
  // by the listener launchContainer attached.
  container.stdin.end(JSON.stringify(ctx.job.request));
  ctx.log.debug({ container: short(container.id) }, 'sandbox request sent');
}

/** Waits for the container to stop by itself, or stops it: deadline, output cap, abort. */
export async function awaitExit(ctx: RunContext): Promise<void> {
  const container = requireContainer(ctx);
  const stop = (reason: StopReason) => {
    if (ctx.stoppedBy) return;
    ctx.stoppedBy = reason;
    ctx.log.info({ container: short(container.id), reason }, 'stopping sandbox container');
    ctx.client.kill(container.id).catch((e: unknown) => ctx.log.error({ err: coerceError(e) }, 'could not kill sandbox container'));
  };
  const timer = setTimeout(() => stop('timeout'), ctx.deadlineS * 1000);
  container.stdout.onExceeded = () => stop('output_limit');
  if (container.stdout.exceeded) stop('output_limit');
  const onAbort = () => stop('aborted');
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal?.aborted) stop('aborted');
  try {
    await ctx.client.wait(container.id);
    ctx.log.debug({ container: short(container.id) }, 'sandbox container exited');
    await Promise.race([container.stdout.ended, delay(DRAIN_MS)]);
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  if (ctx.stoppedBy === 'aborted') ctx.signal?.throwIfAborted();
}

export async function collectResult(ctx: RunContext): Promise<SandboxRun> {
  const container = requireContainer(ctx);
  const state = await ctx.client.inspect(container.id);
  const base = {
    exitCode: state.exitCode,
    stderrTail: container.stderr.text(),
    wallMs: Date.now() - ctx.startedAt,
  };
  const ended = (outcome: SandboxOutcome, detail: string): SandboxRun => ({ ...base, outcome, response: undefined, detail });
  if (ctx.stoppedBy === 'timeout') return ended('timeout', `the sandbox ran past its ${ctx.deadlineS} s wall-clock limit and was killed`);
  if (ctx.stoppedBy === 'output_limit') return ended('output_limit', `the harness wrote more than ${ctx.limits.maxResponseBytes} bytes to stdout`);
  const parsed = parseHarnessResponse(container.stdout.bytes(), ctx.limits.maxResponseBytes);
  if (parsed.ok) {
    const run: SandboxRun = { ...base, outcome: 'completed', response: parsed.response };
    // The kernel was killed for memory and the harness carried on: the cells say kernel_died.
    if (state.oomKilled) run.detail = `a process hit the ${ctx.limits.memoryMb} MiB memory limit and was killed`;
    return run;
  }
  if (state.oomKilled) return ended('oom', `the sandbox hit its ${ctx.limits.memoryMb} MiB memory limit`);
  return ended('crashed', `${parsed.detail} (exit code ${state.exitCode ?? 'unknown'}${state.error ? `, ${state.error}` : ''})`);
}

/** For paths that are already failing: the first error is the one worth reporting. */
export async function removeQuietly(client: SandboxClient, id: string, log: Logger): Promise<void> {
  try {
    await client.remove(id);
  } catch (e) {
    log.error({ container: short(id), err: coerceError(e) }, 'could not remove sandbox container');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
