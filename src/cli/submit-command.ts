/**
 * `autograder submit <file> --assignment <id>`: uploads over HTTP as a student would,
 * waits for the grade with a progress line on stderr, prints the report.
 * `autograder status <id>` and `autograder regrade <id>` read and regrade one submission.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { progressLine } from './progress.js';
import { ServiceClient } from './service-client.js';
import { printSubmission } from './submission-output.js';
import { writeErr } from './terminal-output.js';

export interface ServiceOptions {
  /** @defaultValue config.apiUrl */
  api?: string;
  /** @defaultValue $AUTOGRADER_TOKEN */
  token?: string;
  json?: boolean;
}

export interface WaitingOptions extends ServiceOptions {
  /** Seconds to wait for the grade; 0: do not wait. @defaultValue 600 */
  wait?: string;
}

export function clientFor(options: ServiceOptions, config: Config): ServiceClient {
  return new ServiceClient({ apiUrl: options.api ?? config.apiUrl, token: options.token ?? config.apiToken });
}

function waitSeconds(options: WaitingOptions): number {
  const seconds = Number(options.wait ?? 600);
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError('BAD_OPTION', `--wait takes seconds (0 or more), not ${JSON.stringify(options.wait)}`);
  return seconds;
}

async function waitAndPrint(client: ServiceClient, id: string, options: WaitingOptions): Promise<number> {
  const seconds = waitSeconds(options);
  if (seconds === 0) return printSubmission(await client.submission(id), options);
  const progress = progressLine();
  try {
    const settled = await client.waitUntilSettled(id, {
      timeoutMs: seconds * 1000,
      onPoll: (s) => progress.update(`${s.id}: ${s.status}${s.attempts > 1 ? ` (attempt ${s.attempts})` : ''}`),
    });
    progress.done();
    return printSubmission(settled, options);
  } catch (e) {
    progress.done();
    throw e;
  }
}

export async function submitCommand(file: string, options: WaitingOptions & { assignment: string }, config: Config): Promise<number> {
  const client = clientFor(options, config);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError('NO_SUCH_FILE', code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
  const accepted = await client.upload(options.assignment, basename(file), bytes);
  writeErr(`Submitted ${basename(file)} as ${accepted.id}${accepted.enqueued ? '' : ` (${accepted.detail ?? 'queued once the grading queue is back'})`}\n`);
  return waitAndPrint(client, accepted.id, options);
}

export async function statusCommand(id: string, options: ServiceOptions, config: Config): Promise<number> {
  return printSubmission(await clientFor(options, config).submission(id), options);
}

export async function regradeCommand(id: string, options: WaitingOptions, config: Config): Promise<number> {
  const client = clientFor(options, config);
  const accepted = await client.regrade(id);
  writeErr(`Regrade of ${accepted.id} requested${accepted.enqueued ? '' : ` (${accepted.detail ?? 'queued once the grading queue is back'})`}\n`);
  return waitAndPrint(client, accepted.id, options);
}
