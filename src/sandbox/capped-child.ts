/**
 * Runs a command in a process group of its own with its input on stdin, its stdout
 * capped, the tail of its stderr kept, and a wall-clock limit. Whatever the ending
 * (exit, timeout, output over the cap, abort), the whole group is killed.
 */
import { spawn } from 'node:child_process';
import { PlatformError } from '../errors.js';
import { CappedOutput, OutputTail } from './output.js';

export interface CappedChildOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: string;
  maxStdoutBytes: number;
  stderrTailBytes: number;
  timeoutMs: number;
  /** After SIGTERM, how long the group has before SIGKILL. */
  killGraceMs: number;
  signal?: AbortSignal | undefined;
}

export interface CappedChildResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Everything written to stdout, unless `stdoutOverflow`. */
  stdout: Buffer;
  stdoutOverflow: boolean;
  timedOut: boolean;
  aborted: boolean;
  stderrTail: string;
  /** Writing stdin failed (the child exited before reading it all). */
  stdinError: string | undefined;
  wallMs: number;
}

/** Signals the process group led by pid; a group that is already gone is fine. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export function runCappedChild(options: CappedChildOptions): Promise<CappedChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true, // its own process group, so one kill reaches everything it started
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let aborted = false;
    let stdinError: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stdout = new CappedOutput(child.stdout, options.maxStdoutBytes);
    const stderr = new OutputTail(child.stderr, options.stderrTailBytes);

    const stop = () => {
      if (child.pid === undefined || killTimer) return;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), options.killGraceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
    };

    stdout.onExceeded = stop;
    child.stdin.on('error', (error) => {
      stdinError = error.message;
    });
    child.on('error', (error) => {
      if (child.pid !== undefined) return; // a failed kill; 'close' still follows
      settle();
      reject(new PlatformError('SANDBOX_SPAWN_FAILED', `could not start ${options.command}: ${error.message}`, { cause: error }));
    });
    // Anything the child left in its group dies with it (and cannot hold stdout open).
    child.on('exit', () => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    });
    child.on('close', (exitCode, signal) => {
      settle();
      resolve({
        exitCode,
        signal,
        stdout: stdout.bytes(),
        stdoutOverflow: stdout.exceeded,
        timedOut,
        aborted,
        stderrTail: stderr.text(),
        stdinError,
        wallMs: performance.now() - started,
      });
    });
    if (options.signal?.aborted) onAbort();
    child.stdin.end(options.stdin);
  });
}
