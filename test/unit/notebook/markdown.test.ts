import { describe, expect, it } from 'vitest';
import { markdownWords, microHeadingOf, plainText, sameHeading, similarity, wordsAdded } from '../../../src/notebook/markdown.js';

describe('Markdown as prose', () => {
  it('reduces Markdown to its words', () => {
    expect(plainText('## Setup')).toBe('Setup');
    expect(markdownWords('> **Question**: Is *this* `x_1` [a link](http://x.org)? <img src="a.png"/>')).toEqual(['question', 'is', 'this', 'x_1', 'a', 'link']);
    expect(markdownWords('*2. whether the image contains a cat*')).toEqual(markdownWords('2. whether the image contains a cat'));
    expect(markdownWords('_your answer here_')).toEqual(['your', 'answer', 'here']);
  });

  it('finds the micro-heading a line opens with', () => {
    expect(microHeadingOf('**Question**: why?')).toBe('Question');
    expect(microHeadingOf('**accuracy:** 93%')).toBe('accuracy');
    expect(microHeadingOf('- __Why__: because')).toBe('Why');
    expect(microHeadingOf('> **Your turn**: try it')).toBe('Your turn');
    expect(microHeadingOf('This is **bold**: not a heading')).toBeUndefined();
    expect(microHeadingOf('**Note: if you run the cell and no widget appears, try Colab.**')).toBeUndefined();
  });

  it('compares configured headings with written ones, numbers allowed', () => {
    expect(sameHeading('**Question**:', 'question')).toBe(true);
    expect(sameHeading('Question', 'Question 2')).toBe(true);
    expect(sameHeading('Question', 'Question 3b')).toBe(true);
    expect(sameHeading('Question', 'Questions')).toBe(false);
    expect(sameHeading('Task', 'Question')).toBe(false);
  });

  it('diffs and compares word lists as multisets', () => {
    expect(wordsAdded(['a', 'b', 'b', 'c'], ['b', 'a'])).toEqual(['b', 'c']);
    expect(similarity(['a', 'b'], ['a', 'b'])).toBe(1);
    expect(similarity(['a', 'b', 'c', 'd'], ['a', 'b'])).toBeCloseTo(2 / 3);
  });
});
