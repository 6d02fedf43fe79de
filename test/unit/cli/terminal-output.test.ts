/**
 * The CLI never prints raw control characters from user text: a file name carrying an
 * OSC/CSI escape, a C1 CSI or a bidi override shows escaped; layout (line feeds) stays.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SubmissionView } from '../../../src/api/schemas.js';
import { printSubmission } from '../../../src/cli/submission-output.js';
import { stripControlCharacters, terminalSafe } from '../../../src/safe-text.js';

const HOSTILE = 'hw\u001b]0;owned\u0007\u001b[2J\r\u009b31m\u202egnp.ipynb\u007f';
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function captured(stream: 'stdout' | 'stderr'): () => string {
  const chunks: string[] = [];
  vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  return () => chunks.join('');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('safe text', () => {
  it('strips control and bidi characters from a name', () => {
    expect(stripControlCharacters(HOSTILE)).toBe('hw]0;owned[2J31mgnp.ipynb');
  });

  it('escapes them visibly for a terminal, keeping line feeds and tabs', () => {
    expect(terminalSafe('a\tb\nc\u001b[31md\u202e')).toBe('a\tb\nc\\u001b[31md\\u202e');
    expect(terminalSafe(HOSTILE)).not.toMatch(RAW_CONTROL);
    // CSV's CRLF record ends pass; a lone CR (it overwrites the line) does not.
    expect(terminalSafe('"a","b"\r\n"c\rd","e"\r\n')).toBe('"a","b"\r\n"c\\u000dd","e"\r\n');
  });
});

describe('CLI printers', () => {
  const submission = (fileName: string, status: SubmissionView['status'], error: string | null): SubmissionView => ({
    id: 'sub-1',
    status,
    assignmentId: 'u05-softmax',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    fileName,
    attempts: 1,
    report: null,
    error,
  });

  it('print a hostile file name and error message escaped, as text and as JSON', () => {
    const out = captured('stdout');
    const err = captured('stderr');
    printSubmission(submission(HOSTILE, 'failed', `cannot read ${HOSTILE}`), {});
    printSubmission(submission(HOSTILE, 'queued', null), { json: true });
    expect(out()).not.toMatch(RAW_CONTROL);
    expect(err()).not.toMatch(RAW_CONTROL);
    expect(out()).toContain('hw\\u001b]0;owned');
    // The JSON stays JSON: the escapes are JSON's own.
    const json = out().slice(out().indexOf('{'));
    expect(JSON.parse(json).fileName).toBe(HOSTILE);
  });
});
