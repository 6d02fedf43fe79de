import { HarnessResponseSchema, type HarnessResponse } from './protocol.js';

export type ParsedHarnessResponse =
  | { ok: true; response: HarnessResponse }
  | { ok: false; detail: string };

/**
 * The harness's stdout, checked as hostile input: size first, then JSON, then the schema.
 * Shared by every sandbox backend.
 */
export function parseHarnessResponse(output: Uint8Array, maxBytes: number): ParsedHarnessResponse {
  if (output.byteLength > maxBytes) {
    return { ok: false, detail: `the harness wrote ${output.byteLength} bytes, more than the ${maxBytes} allowed` };
  }
  if (output.byteLength === 0) return { ok: false, detail: 'the harness wrote no response' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(output.buffer, output.byteOffset, output.byteLength).toString('utf8'));
  } catch (error) {
    return { ok: false, detail: `the harness response is not JSON: ${(error as Error).message}` };
  }
  const parsed = HarnessResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return { ok: false, detail: `the harness response does not match the protocol: ${issues.join('; ')}` };
  }
  return { ok: true, response: parsed.data };
}
