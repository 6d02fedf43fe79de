/**
 * A one-line progress indicator on stderr, so stdout keeps only the report. On a terminal
 * it redraws one line with a spinner and the elapsed time; elsewhere (a CI log, a pipe) it
 * prints a line only when the state changes.
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Progress {
  update(state: string): void;
  /** Clears the line (terminal) so what follows starts clean. */
  done(): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  let last = '';
  let frame = 0;
  return {
    update(state: string) {
      if (stream.isTTY) {
        const seconds = Math.floor((Date.now() - started) / 1000);
        stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${state} (${seconds} s)`);
      } else if (state !== last) {
        stream.write(`${state}\n`);
      }
      last = state;
    },
    done() {
      if (stream.isTTY && last !== '') stream.write('\r\x1b[2K');
    },
  };
}
