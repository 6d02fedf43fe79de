/**
 * The production sandbox: one fresh, locked-down container per submission (see
 * container-spec.ts for the isolation, docker/sandbox/launch for the users).
 */
import type { SandboxLimits } from '../../config.js';
import { GraderError, PlatformError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { HarnessRequestSchema } from '../protocol.js';
import type { Sandbox, SandboxJob, SandboxRun } from '../sandbox.js';
import { short, type SandboxClient } from './client.js';
import { containerSpec } from './container-spec.js';
import { WarmPool } from './pool.js';
import { reapLeftoverContainers } from './reaper.js';
import {
  NoGpuError, awaitExit, collectResult, copyJobFiles, launchContainer, removeQuietly, sendRequest,
  type LaunchedContainer, type RunContext,
} from './run-steps.js';

const MIB = 1024 * 1024;
/** Room in a warm container's /work for a submission's files; bigger ones get a fresh container. */
const POOL_INPUT_MB = 16;
/** The second timeout: a whole run (engine calls included) that outlives its kill by this much means the engine hangs. */
const WATCHDOG_EXTRA_S = 60;

export interface DockerSandboxOptions {
  client: SandboxClient;
  log: Logger;
  image: string;
  limits: SandboxLimits;
  /** GPUs a GPU job gets (-1: all). */
  gpuCount: number;
  /** Warm containers kept ready; 0 starts each container on demand. */
  poolSize: number;
  /** Labels this worker's containers, so a restarted worker removes only its own leftovers. */
  workerId: string;
  /**
   * Seconds past the run's total time limit before the container is killed: the harness
   * enforces the limit itself, this covers kernel start and writing the response.
   * @defaultValue 15
   */
  graceS?: number;
}

export class DockerSandbox implements Sandbox {
  readonly kind = 'docker' as const;
  private readonly pool: WarmPool | undefined;
  private readonly graceS: number;
  private readonly removals = new Set<Promise<void>>();
  /** Set when the engine stopped answering during a run; a worker's health check reads it. */
  unhealthy: string | undefined;

  private constructor(private readonly options: DockerSandboxOptions) {
    this.graceS = options.graceS ?? 15;
    this.pool = options.poolSize > 0
      ? new WarmPool({
        size: options.poolSize,
        launch: () => this.launch(options.limits, false, POOL_INPUT_MB, true),
        discard: (c) => options.client.remove(c.id),
        log: options.log.child({ component: 'sandbox-pool' }),
      })
      : undefined;
  }

  /** Removes this worker's leftover containers, then starts filling the warm pool. */
  static async open(options: DockerSandboxOptions): Promise<DockerSandbox> {
    await reapLeftoverContainers(options.client, options.log, { workerId: options.workerId });
    const sandbox = new DockerSandbox(options);
    sandbox.pool?.start();
    return sandbox;
  }

  get warmContainers(): number {
    return this.pool?.readyCount ?? 0;
  }

  async run(job: SandboxJob, signal?: AbortSignal): Promise<SandboxRun> {
    const request = HarnessRequestSchema.safeParse(job.request);
    if (!request.success) throw new GraderError('BAD_HARNESS_REQUEST', `the harness request is invalid: ${request.error.message}`);
    signal?.throwIfAborted();
    const limits: SandboxLimits = { ...this.options.limits, ...job.limits };
    const ctx: RunContext = {
      client: this.options.client,
      log: this.options.log,
      job,
      limits,
      deadlineS: Math.min(job.request.limits.totalTimeoutS, limits.totalTimeoutS) + this.graceS,
      signal,
      startedAt: Date.now(),
    };
    let watchdog: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      watchdog = setTimeout(() => {
        this.unhealthy = `a sandbox run did not finish ${WATCHDOG_EXTRA_S} s after its container should have been killed; Docker presumed dead`;
        reject(new PlatformError('DOCKER_WATCHDOG', this.unhealthy));
      }, (ctx.deadlineS + WATCHDOG_EXTRA_S) * 1000);
    });
    try {
      return await Promise.race([this.runSteps(ctx, inputMb(job)), hung]);
    } finally {
      clearTimeout(watchdog);
    }
  }

  /** Containers whose results were read and which are being removed in the background. */
  get pendingRemovals(): number {
    return this.removals.size;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    while (this.removals.size > 0) await Promise.allSettled([...this.removals]);
  }

  private async runSteps(ctx: RunContext, jobInputMb: number): Promise<SandboxRun> {
    let failed = false;
    try {
      ctx.container = this.takeWarm(ctx, jobInputMb)
        ?? await this.launch(ctx.limits, ctx.job.gpu, jobInputMb, false);
      ctx.log.debug({ container: short(ctx.container.id) }, 'sandbox container ready');
      await copyJobFiles(ctx);
      sendRequest(ctx);
      await awaitExit(ctx);
      return await collectResult(ctx);
    } catch (e) {
      failed = true;
      if (e instanceof NoGpuError) {
        ctx.log.warn({ err: e }, 'GPU job on a worker without GPUs');
        return {
          outcome: 'no_gpu', response: undefined, detail: 'this assignment needs a GPU worker',
          exitCode: null, stderrTail: '', wallMs: Date.now() - ctx.startedAt,
        };
      }
      throw e;
    } finally {
      if (failed && ctx.container) await removeQuietly(ctx.client, ctx.container.id, ctx.log);
      else if (ctx.container) this.removeInBackground(ctx.container.id, ctx.log);
    }
  }

  /**
   * Once its result is read, a container only needs to go away: removing it (a few hundred
   * ms of engine work, more when two runs end together) is kept off the job's critical path.
   * close() waits for these; a removal that fails is logged and the container is left to
   * the reaper at the worker's next start.
   */
  private removeInBackground(id: string, log: Logger): void {
    const removal = removeQuietly(this.options.client, id, log).finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }

  /** A warm container fits when the job asks for what the pool's containers were made with. */
  private takeWarm(ctx: RunContext, jobInputMb: number): LaunchedContainer | undefined {
    if (!this.pool || ctx.job.gpu || jobInputMb > POOL_INPUT_MB) return undefined;
    const pooled = this.options.limits;
    const same = (['memoryMb', 'cpus', 'pids', 'workDirMb'] as const).every((k) => ctx.limits[k] === pooled[k]);
    return same ? this.pool.take() : undefined;
  }

  private launch(limits: SandboxLimits, gpu: boolean, extraMb: number, pooled: boolean): Promise<LaunchedContainer> {
    const spec = containerSpec({
      image: this.options.image,
      workerId: this.options.workerId,
      limits,
      inputMb: extraMb,
      gpu,
      gpuCount: this.options.gpuCount,
      pooled,
    });
    return launchContainer(this.options.client, spec, limits.maxResponseBytes, this.options.log);
  }
}

/** MiB the job's own files take in /work (rounded up, at least 1). */
function inputMb(job: SandboxJob): number {
  const bytes = job.notebook.byteLength + job.files.reduce((n, f) => n + f.data.byteLength, 0);
  return Math.max(1, Math.ceil(bytes / MIB));
}
