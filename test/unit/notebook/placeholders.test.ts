import { describe, expect, it } from 'vitest';
import { findInCode, findPlaceholders, type PlaceholderSpec } from '../../../src/notebook/placeholders.js';
import { readPythonLines } from '../../../src/notebook/python-lines.js';
import { code, courseNotebook, md, notebookOf } from '../../helpers/notebooks.js';

const kinds = (source: string, patterns?: PlaceholderSpec[]) => findInCode(source, patterns).map((f) => `${f.line}:${f.kind}`);

describe('readPythonLines', () => {
  it('separates code from strings and comments', () => {
    const [line] = readPythonLines(`x = "a # b ..."  # note ...`);
    expect(line?.code.trim()).toBe('x = ""');
    expect(line?.comment).toBe(' note ...');
    expect(line?.valueEllipses).toEqual([]);
  });

  it('follows triple-quoted strings across lines', () => {
    const lines = readPythonLines(`def f(x):\n    '''Docstring...\n    return ...\n    '''\n    return ...`);
    expect(lines.map((l) => l.valueEllipses.length)).toEqual([0, 0, 0, 0, 1]);
  });

  it('tells a subscript from a value', () => {
    const ellipses = (s: string) => readPythonLines(s)[0]?.valueEllipses.length;
    expect(ellipses('y = a[..., 0]')).toBe(0);
    expect(ellipses('f: Callable[..., int] = g')).toBe(0);
    expect(ellipses('t = x[0][...]')).toBe(0);
    expect(ellipses('x = [...]')).toBe(1);
    expect(ellipses('return [...]')).toBe(1);
    expect(ellipses('model = nn.Sequential(...)')).toBe(1);
    expect(ellipses('x = ...')).toBe(1);
  });

  it('marks magics and continuation lines', () => {
    const lines = readPythonLines('%matplotlib inline\n!pip install x\nf(a,\n  b)');
    expect(lines.map((l) => l.magic)).toEqual([true, true, false, false]);
    expect(lines[3]?.indent).toBe(-1);
  });

  it('handles string prefixes and escaped quotes', () => {
    const [line] = readPythonLines(`s = rb'...' + f"{x}..." + "\\"..." + ...`);
    expect(line?.valueEllipses).toHaveLength(1);
  });
});

describe('findInCode', () => {
  it('finds ... used as a value, not in strings, comments or slices', () => {
    expect(kinds('def softmax(xx):\n    expos = xx.exp()\n    return ...')).toEqual(['3:ellipsis']);
    expect(kinds('x = ...')).toEqual(['1:ellipsis']);
    expect(kinds('# return ...\nreturn expos / expos.sum()')).toEqual([]);
    expect(kinds('print("loading...")\nb = a[..., 0]\nc = a[1:, ...]')).toEqual([]);
    expect(kinds('def stub(x): ...')).toEqual(['1:ellipsis']);
  });

  it('finds a your-code-here marker with nothing after it, in any case', () => {
    expect(kinds('# your code here')).toEqual(['1:your-code-here']);
    expect(kinds('# YOUR CODE HERE')).toEqual(['1:your-code-here']);
    expect(kinds('# Your code goes here')).toEqual(['1:your-code-here']);
    expect(kinds('# yor code here')).toEqual(['1:your-code-here']);
    expect(kinds('def f(x):\n    # YOUR CODE HERE\n    pass')).toEqual(['2:your-code-here']);
    expect(kinds('def f(x):\n    # YOUR CODE HERE\n\nprint(f(1))')).toEqual(['2:your-code-here']);
    expect(kinds('result = None  # your code here')).toEqual(['1:your-code-here']);
  });

  it('leaves a marker alone once code follows it', () => {
    expect(kinds('# your code here (the first mathematical operation in `softmax`)\nx2.exp()')).toEqual([]);
    expect(kinds('def f(x):\n    # your code here\n    return x + 1')).toEqual([]);
    expect(kinds('result = model(x)  # your code here')).toEqual([]);
  });

  it('reports nbgrader\'s marker and raise as one placeholder', () => {
    expect(kinds('def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()')).toEqual(['3:not-implemented']);
    expect(kinds('raise NotImplementedError("write softmax")')).toEqual(['1:not-implemented']);
  });

  it('finds FIXME and XXX as words, not inside other words or strings', () => {
    expect(kinds('x = 1  # FIXME: wrong axis\ny = XXX\nz = 2  # fixme')).toEqual(['1:fixme', '2:xxx', '3:fixme']);
    expect(kinds('XXXL = 3\nprint("XXX")\nprefix = "FIXME"')).toEqual([]);
  });

  it('uses only the patterns given, custom ones included', () => {
    expect(kinds('x = ...\n# TODO: tune', ['fixme'])).toEqual([]);
    const todo: PlaceholderSpec = { label: 'TODO', in: 'comment', regex: /\bTODO\b/g };
    expect(kinds('x = 1  # TODO: tune\ny = 2  # TODO again', ['ellipsis', todo])).toEqual(['1:TODO', '2:TODO']);
  });

  it('ignores IPython magics', () => {
    expect(kinds('%timeit x[...]\n!echo ...')).toEqual([]);
  });
});

describe('findPlaceholders on the course notebooks', () => {
  it('finds the starter\'s return ... and your-code-here cells of u05n1-softmax', () => {
    const found = findPlaceholders(courseNotebook('u05n1-softmax.ipynb'));
    expect(found).toEqual([
      { cellIndex: 11, line: 6, text: 'return ...', kind: 'ellipsis' },
      { cellIndex: 28, line: 1, text: '# your code here (the first mathematical operation in `softmax`)', kind: 'your-code-here' },
      { cellIndex: 30, line: 1, text: '# your code here', kind: 'your-code-here' },
      { cellIndex: 32, line: 1, text: '# your code here', kind: 'your-code-here' },
    ]);
  });

  it('finds none in the solution, whose "# return ..." is a comment and whose markers have code after them', () => {
    expect(findPlaceholders(courseNotebook('u05n1-softmax_soln.ipynb'))).toEqual([]);
  });

  it('finds the Lab 1 starter\'s code cells and none in the student\'s submission', () => {
    expect(findPlaceholders(courseNotebook('Lab1.ipynb')).map((f) => f.cellIndex)).toEqual([8, 11, 13, 19, 21, 26, 32]);
    expect(findPlaceholders(courseNotebook('Example_Lab1.ipynb'))).toEqual([]);
  });

  it('finds none in the MNIST solution, whose "# logits = ..." hints are comments', () => {
    expect(findPlaceholders(courseNotebook('u05n3-mnist-clf_soln.ipynb'))).toEqual([]);
  });

  it('reports the cell id when the notebook has ids, and skips Markdown', () => {
    const nb = notebookOf([md('x = ...'), code('y = ...', { id: 'abc' })]);
    expect(findPlaceholders(nb)).toEqual([{ cellIndex: 1, cellId: 'abc', line: 1, text: 'y = ...', kind: 'ellipsis' }]);
  });
});
