import { describe, expect, it } from 'vitest';
import { reportFileName, safeFileName } from '../../../src/cli/import-results.js';

describe('safeFileName', () => {
  it('keeps ASCII letters, digits, dot, underscore and dash; folds accents', () => {
    expect(safeFileName('Jürgen Müller')).toBe('Jurgen-Muller');
    expect(safeFileName('Group A-Grace Hopper')).toBe('Group-A-Grace-Hopper');
    expect(safeFileName('O\'Brien, Ana_María')).toBe('O-Brien-Ana_Maria');
  });

  it('cannot climb out of the output folder or hide the file', () => {
    expect(safeFileName('../../etc/passwd')).toBe('etc-passwd');
    expect(safeFileName('.hidden')).toBe('hidden');
    expect(safeFileName('李小龍')).toBe('student');
    expect(safeFileName('x'.repeat(300))).toHaveLength(64);
  });

  it('names the report by participant id and name', () => {
    expect(reportFileName({ participantId: '42', name: 'Ada Lovelace' })).toBe('42-Ada-Lovelace.json');
  });
});
