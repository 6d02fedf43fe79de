import { describe, expect, it } from 'vitest';
import { parseHarnessResponse } from '../../../src/sandbox/harness-response.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const valid = {
  v: 1,
  cells: [{ index: 1, status: 'ok', ms: 3 }],
  kernelRestarts: 0,
  calls: [{ id: 'softmax#0', status: 'missing' }],
  totalTimeout: false,
  harnessErrors: [],
};

describe('parseHarnessResponse', () => {
  it('accepts a response that matches the protocol', () => {
    const parsed = parseHarnessResponse(bytes(JSON.stringify(valid)), 1000);
    expect(parsed).toEqual({ ok: true, response: valid });
  });

  it('refuses output over the cap before parsing it', () => {
    const parsed = parseHarnessResponse(bytes(JSON.stringify(valid)), 10);
    expect(parsed).toEqual({ ok: false, detail: expect.stringMatching(/more than the 10 allowed/) });
  });

  it('says when there is no response, no JSON, or the wrong shape', () => {
    expect(parseHarnessResponse(bytes(''), 1000)).toEqual({ ok: false, detail: 'the harness wrote no response' });
    expect(parseHarnessResponse(bytes('{"v":1'), 1000)).toEqual({ ok: false, detail: expect.stringMatching(/not JSON/) });
    const forged = { ...valid, cells: [{ index: 1, status: 'passed', ms: 3 }] };
    expect(parseHarnessResponse(bytes(JSON.stringify(forged)), 1000))
      .toEqual({ ok: false, detail: expect.stringMatching(/does not match the protocol: cells\.0\.status/) });
  });
});
