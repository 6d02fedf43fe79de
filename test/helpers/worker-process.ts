/**
 * `autograder worker` as a real child process, for tests that kill it. The CLI is compiled
 * once into dist/.test-build (incrementally, so later runs are quick); the package root is
 * found from there like from dist/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { findPackageRoot } from '../../src/package-root.js';

const BUILD_DIR = join('dist', '.test-build');

/** Compiles the CLI and returns the path of its entry. Type errors elsewhere do not stop tsc from emitting. */
export function buildCli(): string {
  const root = findPackageRoot();
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--incremental', '--tsBuildInfoFile', join(BUILD_DIR, 'tsbuildinfo')],
    { cwd: root, encoding: 'utf8' },
  );
  const entry = join(root, BUILD_DIR, 'src', 'cli', 'main.js');
  if (!existsSync(entry)) throw new Error(`building the CLI produced no ${entry}:\n${result.stdout}${result.stderr}`);
  return entry;
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  /** Resolves with the first log line (already seen or still to come) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or 128 + signal number's name as a string when killed). */
  readonly exited: Promise<number | NodeJS.Signals>;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL to the worker and everything it started (its process group): a machine dying. */
  killHard(): void;
}

export function startWorkerProcess(entry: string, env: Record<string, string>): WorkerProcess {
  // Its own process group, so killHard takes the sandbox's Python processes with it.
  const child = spawn(process.execPath, [entry, 'worker'], {
    cwd: findPackageRoot(),
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const logs: LogLine[] = [];
  const waiters: Array<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = [];
  createInterface({ input: child.stderr! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { level: 50, msg: text };
    }
    logs.push(line);
    for (const w of [...waiters]) {
      if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    logs,
    exited,
    waitForLog(match, timeoutMs = 60_000) {
      const seen = logs.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching worker log line within ${timeoutMs} ms; got:\n${logs.map((l) => JSON.stringify(l)).join('\n')}`)), timeoutMs);
        waiters.push({ match, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      });
    },
    signal(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    killHard() {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    },
  };
}
