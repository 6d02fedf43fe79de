/**
 * A Sandbox runs a notebook and function calls through the harness and returns data.
 * It decides nothing: scores are computed outside by src/grading.
 */
import type { SandboxLimits } from '../config.js';
import type { HarnessRequest, HarnessResponse } from './protocol.js';

export type SandboxKind = 'process' | 'docker';

export interface SandboxFile {
  /** Relative path inside the job's work directory (no `..`, no leading `/`). */
  path: string;
  data: Uint8Array;
  /** Written read-only (mode 0444; in Docker owned by root): an assignment's data files, which the notebook reads and may not change. */
  readOnly?: boolean;
}

export interface SandboxJob {
  /** The notebook, written to `request.notebook` in the work directory. */
  notebook: Uint8Array;
  /** Other files of the submission (model files), next to the notebook. */
  files: SandboxFile[];
  request: HarnessRequest;
  /** The assignment needs a GPU. */
  gpu: boolean;
  /** Overrides of the configured sandbox limits for this job (memory, CPUs, PIDs, sizes). */
  limits?: Partial<SandboxLimits>;
}

/**
 * How the sandbox as a whole ended. `completed` means the harness wrote a response;
 * everything else means it did not (or not in time), and `response` may be absent.
 */
export type SandboxOutcome = 'completed' | 'timeout' | 'oom' | 'crashed' | 'output_limit' | 'no_gpu';

export interface SandboxRun {
  outcome: SandboxOutcome;
  response: HarnessResponse | undefined;
  /** A one-line explanation when outcome is not `completed`. */
  detail?: string;
  exitCode: number | null;
  /** The last few KiB of the harness's stderr, for logs (never shown to students raw). */
  stderrTail: string;
  wallMs: number;
}

export interface Sandbox {
  readonly kind: SandboxKind;
  run(job: SandboxJob, signal?: AbortSignal): Promise<SandboxRun>;
  /** Releases pooled resources (pre-started containers). */
  close(): Promise<void>;
}
