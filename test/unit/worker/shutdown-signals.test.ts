import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { FORCED_EXIT_CODE, handleShutdownSignals } from '../../../worker/shutdown-signals.js';
import { servesGpu } from '../../../worker/gpu.js';

const logger = createLogger('silent');
// A signal nothing else in the test process listens to; emitted, never sent.
const SIGNAL = 'SIGUSR2';

describe('handleShutdownSignals', () => {
  it('closes on the first signal and resolves when closing is done', async () => {
    const target = { close: vi.fn(async () => undefined), release: vi.fn(async () => undefined) };
    const exit = vi.fn();
    const handle = handleShutdownSignals(target, logger, exit, [SIGNAL]);
    try {
      process.emit(SIGNAL, SIGNAL);
      await handle.stopped;
      expect(target.close).toHaveBeenCalledOnce();
      expect(target.release).not.toHaveBeenCalled();
      expect(exit).not.toHaveBeenCalled();
    } finally {
      handle.dispose();
    }
  });

  it('hands jobs back and exits on the second signal, without waiting for the first close', async () => {
    let finishClose!: () => void;
    const target = {
      close: vi.fn(() => new Promise<void>((resolve) => (finishClose = resolve))),
      release: vi.fn(async () => undefined),
    };
    const exited = new Promise<number>((resolve) => {
      const handle = handleShutdownSignals(target, logger, (code) => {
        handle.dispose();
        resolve(code);
      }, [SIGNAL]);
    });
    process.emit(SIGNAL, SIGNAL);
    process.emit(SIGNAL, SIGNAL);
    expect(await exited).toBe(FORCED_EXIT_CODE);
    expect(target.release).toHaveBeenCalledOnce();
    finishClose();
  });
});

describe('servesGpu', () => {
  it('follows the setting, and in auto looks for an NVIDIA device', () => {
    const none = () => false;
    const nvidia = (path: string) => path === '/dev/nvidiactl';
    expect(servesGpu('yes', none)).toBe(true);
    expect(servesGpu('no', nvidia)).toBe(false);
    expect(servesGpu('auto', none)).toBe(false);
    expect(servesGpu('auto', nvidia)).toBe(true);
  });
});
