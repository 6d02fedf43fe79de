import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runCappedChild, type CappedChildOptions } from '../../../src/sandbox/capped-child.js';

function sh(script: string, overrides: Partial<CappedChildOptions> = {}) {
  return runCappedChild({
    command: '/bin/sh',
    args: ['-c', script],
    cwd: tmpdir(),
    env: { PATH: '/usr/bin:/bin' },
    stdin: '',
    maxStdoutBytes: 1024,
    stderrTailBytes: 16,
    timeoutMs: 20_000,
    killGraceMs: 200,
    ...overrides,
  });
}

/** Running, not gone and not a zombie waiting for its parent. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('runCappedChild', () => {
  it('hands stdin over and returns stdout, exit status and the tail of stderr', async () => {
    const r = await sh('cat; printf "0123456789abcdefXYZ" >&2; exit 3', { stdin: '{"v":1}' });
    expect(r.stdout.toString()).toBe('{"v":1}');
    expect(r.exitCode).toBe(3);
    expect(r.stderrTail).toBe('3456789abcdefXYZ');
    expect(r.timedOut || r.stdoutOverflow || r.aborted).toBe(false);
  });

  it('stops a child that writes more than the cap, and drops what it wrote', async () => {
    const r = await sh('while true; do echo xxxxxxxxxxxxxxxxxxxxxxxx; done');
    expect(r.stdoutOverflow).toBe(true);
    expect(r.stdout.length).toBe(0);
  });

  it('kills the whole process group at the time limit, background children included', async () => {
    const r = await sh('sleep 600 & echo $!; wait', { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    const background = Number(r.stdout.toString().trim());
    expect(background).toBeGreaterThan(0);
    expect(alive(background)).toBe(false);
  });

  it('kills what the child left running when it exits on its own', async () => {
    const r = await sh('sleep 600 & echo $!', { timeoutMs: 10_000 });
    expect(r.exitCode).toBe(0);
    expect(alive(Number(r.stdout.toString().trim()))).toBe(false);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const r = await sh('trap "" TERM; while true; do sleep 0.05; done', { timeoutMs: 200 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
  });

  it('stops on abort', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const r = await sh('sleep 600', { signal: controller.signal });
    expect(r.aborted).toBe(true);
    expect(r.signal).toBe('SIGTERM');
  });

  it('rejects with a platform error when the command cannot start', async () => {
    await expect(runCappedChild({
      command: '/nonexistent/python3', args: [], cwd: tmpdir(), env: {}, stdin: '',
      maxStdoutBytes: 10, stderrTailBytes: 10, timeoutMs: 1000, killGraceMs: 10,
    })).rejects.toMatchObject({ kind: 'platform', code: 'SANDBOX_SPAWN_FAILED' });
  });
});
