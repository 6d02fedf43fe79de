/**
 * How the CLI prints: every printer of text that users control (file names, student
 * names, feedback, error messages, JSON holding them) goes through these, so a name
 * carrying an escape sequence or a bidi override shows as `\u001b` instead of acting on
 * the terminal. Line feeds and tabs pass. The progress line (progress.ts) writes its own
 * escapes directly and prints no user text.
 */
import { terminalSafe } from '../safe-text.js';

export function writeOut(text: string): void {
  process.stdout.write(terminalSafe(text));
}

export function writeErr(text: string): void {
  process.stderr.write(terminalSafe(text));
}
