/**
 * Text from users (file names, student names, feedback quoting their code) may carry
 * characters that act on a terminal or a display instead of showing: C0 controls (ESC
 * starts terminal escape sequences, CR overwrites a line), DEL, C1 controls (0x9b is a
 * one-byte CSI on some terminals) and the Unicode bidi controls that reorder how text
 * reads ("Trojan Source"). Names are stored without them; the CLI prints them escaped.
 */

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The text without control and bidi characters: for a name that is stored and shown. */
export function stripControlCharacters(text: string): string {
  return text.replace(UNSAFE, '');
}

/**
 * The text as a terminal may print it: every control and bidi character is written as a
 * visible escape (`\u001b`), except line feeds, tabs and CR LF line ends (CSV's), which
 * lay out text; a lone CR, which would overwrite the line, is escaped.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_BUT_LAYOUT, (c, offset: number) =>
    c === '\r' && text.charCodeAt(offset + 1) === 0x0a ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
