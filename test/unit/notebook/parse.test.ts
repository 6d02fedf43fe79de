import { describe, expect, it } from 'vitest';
import { NotGradableError } from '../../../src/errors.js';
import { jsonErrorOffset } from '../../../src/notebook/json-error.js';
import { parseNotebook } from '../../../src/notebook/parse.js';
import { courseBytes, utf8 } from '../../helpers/notebooks.js';

function refusal(bytes: Uint8Array, fileName = 'hw.ipynb', maxBytes?: number): NotGradableError {
  try {
    parseNotebook(bytes, fileName, maxBytes === undefined ? {} : { maxBytes });
  } catch (e) {
    expect(e).toBeInstanceOf(NotGradableError);
    const error = e as NotGradableError;
    expect(error.kind).toBe('student');
    expect(error.message).not.toContain('\n');
    expect(error.message.startsWith(fileName)).toBe(true);
    return error;
  }
  throw new Error('parseNotebook accepted what it should refuse');
}

const minimal = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'markdown', source: '# Hi', metadata: {} }], ...extra });

describe('parseNotebook on the course notebooks', () => {
  it.each([
    ['u05n1-softmax.ipynb', 43],
    ['u05n1-softmax_soln.ipynb', 43],
    ['Lab1.ipynb', 40],
    ['Example_Lab1.ipynb', 42],
  ])('reads %s with its %i cells', (name, cells) => {
    const notebook = parseNotebook(courseBytes(name), name);
    expect(notebook.nbformat).toBe(4);
    expect(notebook.cells).toHaveLength(cells);
  });

  it('keeps the nbformat 4.5 cell ids of the MNIST notebook', () => {
    const notebook = parseNotebook(courseBytes('u05n3-mnist-clf_soln.ipynb'), 'mnist.ipynb');
    expect(notebook.cells[0]?.id).toBe('96848edf');
  });

  it('keeps fields it does not know, so the notebook round-trips into the sandbox', () => {
    const notebook = parseNotebook(courseBytes('Example_Lab1.ipynb'), 'Example_Lab1.ipynb');
    expect(Object.keys(notebook.metadata)).toContain('colab');
  });

  it('accepts a UTF-8 byte order mark', () => {
    const text = minimal();
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]);
    expect(parseNotebook(withBom, 'hw.ipynb').cells).toHaveLength(1);
  });
});

describe('parseNotebook refuses what it cannot grade, saying what to do', () => {
  it('refuses nbformat 3 with how to convert it', () => {
    const v3 = JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: { name: '' }, worksheets: [{ cells: [] }] });
    const error = refusal(utf8(v3));
    expect(error.code).toBe('OLD_NBFORMAT');
    expect(error.message).toBe('hw.ipynb is saved as nbformat 3; open it in Jupyter and save it again (File > Save) to convert to nbformat 4');
  });

  it('refuses a newer nbformat', () => {
    expect(refusal(utf8(JSON.stringify({ nbformat: 5, nbformat_minor: 0, cells: [] }))).code).toBe('UNSUPPORTED_NBFORMAT');
  });

  it('refuses text that is not JSON, naming the line', () => {
    const broken = '{\n "cells": [\n  {\n   "cell_type": "markdown"\n   "source": []\n  }\n ]\n}';
    const error = refusal(utf8(broken));
    expect(error.code).toBe('NOT_JSON');
    expect(error.message).toContain('is not a Jupyter notebook: it is not valid JSON (line 5)');
  });

  it('refuses a Python file uploaded as a notebook', () => {
    const error = refusal(utf8('import torch\n\ndef softmax(x):\n    return x.exp() / x.exp().sum()\n'), 'softmax.py');
    expect(error.code).toBe('NOT_JSON');
    expect(error.message).toContain('(line 1)');
  });

  it('refuses a truncated course notebook, pointing at its end', () => {
    const text = new TextDecoder().decode(courseBytes('Lab1.ipynb'));
    const cut = text.slice(0, 2000);
    const error = refusal(utf8(cut), 'Lab1.ipynb');
    expect(error.code).toBe('NOT_JSON');
    expect(error.message).toContain(`(line ${cut.trimEnd().split('\n').length})`);
  });

  it('refuses binary files', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(refusal(png).code).toBe('NOT_UTF8');
    expect(refusal(png).message).toContain('a PNG image');
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0]);
    expect(refusal(zip).message).toContain('a zip archive');
    expect(refusal(new Uint8Array([0x7b, 0x00, 0x01, 0x02])).code).toBe('NOT_UTF8');
  });

  it('refuses text that is not UTF-8', () => {
    const latin1 = new Uint8Array([...utf8('{"nbformat": 4, "x": "caf'), 0xe9, ...utf8('"}')]);
    const error = refusal(latin1);
    expect(error.code).toBe('NOT_UTF8');
    expect(error.message).toContain('not UTF-8');
    expect(refusal(new Uint8Array([0xff, 0xfe, 0x7b, 0x00])).message).toContain('UTF-16');
  });

  it('refuses an empty file and a notebook without cells', () => {
    expect(refusal(new Uint8Array()).code).toBe('EMPTY_FILE');
    expect(refusal(utf8('  \n')).code).toBe('EMPTY_FILE');
    const error = refusal(utf8(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] })));
    expect(error.code).toBe('EMPTY_NOTEBOOK');
    expect(error.message).toContain('has no cells');
  });

  it('refuses JSON that is not a notebook', () => {
    expect(refusal(utf8('[1, 2]')).code).toBe('BAD_NOTEBOOK');
    const error = refusal(utf8('{"name": "my homework"}'));
    expect(error.code).toBe('BAD_NOTEBOOK');
    expect(error.message).toContain('no "nbformat" field');
  });

  it('names the cell and field of a schema violation', () => {
    const heading = minimal({ cells: [{ cell_type: 'markdown', source: 'a', metadata: {} }, { cell_type: 'heading', source: 'b', level: 1, metadata: {} }] });
    const e1 = refusal(utf8(heading));
    expect(e1.code).toBe('BAD_NOTEBOOK');
    expect(e1.message).toContain('cell 2 has cell_type "heading"');

    const badSource = minimal({ cells: [{ cell_type: 'code', source: 42, metadata: {}, outputs: [] }] });
    expect(refusal(utf8(badSource)).message).toContain('cell 1: field "source" should be text or a list of lines, not a number');

    const badOutput = minimal({ cells: [{ cell_type: 'code', source: 'print(1)', metadata: {}, outputs: [{ output_type: 'stream', text: '1' }] }] });
    expect(refusal(utf8(badOutput)).message).toContain('cell 1, output 1: field "name" is missing');

    expect(refusal(utf8(JSON.stringify({ nbformat: 4, metadata: {}, cells: [] }))).message).toContain('field "nbformat_minor" is missing');
  });

  it('refuses files over the size limit before reading them', () => {
    const error = refusal(utf8(minimal()), 'big.ipynb', 10);
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toContain('over the');
  });
});

describe('jsonErrorOffset', () => {
  it('finds where JSON goes wrong, and nothing in valid JSON', () => {
    expect(jsonErrorOffset('{"a": [1, 2.5e3, true, null, "x\\u00e9\\n"]}')).toBeUndefined();
    expect(jsonErrorOffset('{"a": 1,}')).toBe(8);
    expect(jsonErrorOffset('{"a": tru}')).toBe(9);
    expect(jsonErrorOffset('import torch')).toBe(0);
    expect(jsonErrorOffset('{"a": 1} extra')).toBe(9);
    expect(jsonErrorOffset('{"a": "unterminated')).toBe(19);
    expect(jsonErrorOffset('{"a": "bad \\x escape"}')).toBe(12);
  });
});
