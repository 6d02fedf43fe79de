/**
 * `autograder lms add NAME [--allow-host HOST]... [--score-webhook URL] [--lti-client-id ID
 * --lti-token-url URL [--lti-audience AUD] [--lti-lineitem ASSIGNMENT=URL]...]` creates an
 * LMS integration and prints, as the last line of stdout, `{"id": ..., "secret": ...}`: the
 * shared secret is shown this once and kept encrypted (AUTOGRADER_LMS_KEY, or
 * `<DATA_DIR>/lms-secret.key`). `autograder lms list` shows the integrations, never a secret.
 * Both work on the database directly, like `tokens`: run them where the server's DATA_DIR /
 * DATABASE_URL and LMS key are.
 */
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { createIntegration, viewOf } from '../lms/integrations.js';
import { SecretBox } from '../lms/secret-box.js';
import type { Logger } from '../logger.js';
import { openStore } from '../store/store.js';
import { ExitCode } from './exit-codes.js';
import { writeErr, writeOut } from './terminal-output.js';

export interface LmsAddOptions {
  allowHost: string[];
  allowPrivateAddresses?: boolean;
  scoreWebhook?: string;
  ltiClientId?: string;
  ltiTokenUrl?: string;
  ltiAudience?: string;
  ltiLineitem: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerLmsCommands(program: Command, config: Config, logger: Logger, setExitCode: (code: number) => void): void {
  const lms = program.command('lms').description('LMS integrations: submissions in by a signed webhook, scores back by LTI AGS or a webhook');
  lms
    .command('add')
    .description('create an integration; prints {"id", "secret"} as the last line (the secret is shown only once)')
    .argument('<name>', 'a name for it, e.g. moodle-ws2026')
    .option('--allow-host <host>', 'a host (or host:port) file_url may be fetched from; repeat for more', collect, [])
    .option('--allow-private-addresses', 'let file_url reach private and loopback addresses (tests against a local LMS only)')
    .option('--score-webhook <url>', 'POST each score, signed, to this URL')
    .option('--lti-client-id <id>', 'LTI 1.3: our client id at the platform')
    .option('--lti-token-url <url>', "LTI 1.3: the platform's OAuth2 token endpoint")
    .option('--lti-audience <aud>', 'LTI 1.3: aud of our client assertion (default: the token URL)')
    .option('--lti-lineitem <assignment=url>', 'LTI 1.3: the line item of an assignment, for webhooks that name none; repeat for more', collect, [])
    .action(async (name: string, options: LmsAddOptions) => setExitCode(await lmsAddCommand(name, options, config, logger)));
  lms
    .command('list')
    .description('list the integrations (without secrets)')
    .option('--json', 'as JSON')
    .action(async (options: { json?: boolean }) => setExitCode(await lmsListCommand(options, config, logger)));
}

export async function lmsAddCommand(name: string, options: LmsAddOptions, config: Config, logger: Logger): Promise<number> {
  const lti = ltiSettings(options);
  const box = SecretBox.forConfig(config);
  const store = await openStore(config, { logger });
  try {
    const { integration, secret } = await createIntegration(store.lms, box, {
      name,
      allowHosts: options.allowHost,
      allowPrivate: options.allowPrivateAddresses === true,
      scoreWebhook: options.scoreWebhook ?? null,
      lti,
    });
    writeErr(
      `LMS integration "${integration.name}" created. The LMS posts submissions to /api/lms/${integration.id}/submissions, ` +
        'signed with this secret, which is shown only once:\n',
    );
    writeOut(`${JSON.stringify({ id: integration.id, secret })}\n`);
    return ExitCode.ok;
  } finally {
    await store.close();
  }
}

export async function lmsListCommand(options: { json?: boolean }, config: Config, logger: Logger): Promise<number> {
  const store = await openStore(config, { logger });
  try {
    const rows = (await store.lms.listIntegrations()).map(viewOf);
    if (options.json) {
      writeOut(`${JSON.stringify(rows, null, 2)}\n`);
      return ExitCode.ok;
    }
    if (rows.length === 0) writeErr('no LMS integrations; create one with `autograder lms add NAME`\n');
    for (const r of rows) {
      const out = [r.lti ? `LTI ${r.lti.clientId} @ ${r.lti.tokenUrl}` : null, r.scoreWebhook ? `webhook ${r.scoreWebhook}` : null].filter((x) => x !== null).join(', ');
      writeOut(`${r.id}  ${r.name}  hosts: ${r.allowHosts.join(' ') || '-'}${r.allowPrivate ? ' (private allowed)' : ''}  scores: ${out || 'none'}\n`);
    }
    return ExitCode.ok;
  } finally {
    await store.close();
  }
}

function ltiSettings(options: LmsAddOptions) {
  const given = [options.ltiClientId, options.ltiTokenUrl].filter((v) => v !== undefined).length;
  if (given === 0) {
    if (options.ltiLineitem.length > 0 || options.ltiAudience !== undefined) throw new UsageError('BAD_OPTION', '--lti-lineitem and --lti-audience need --lti-client-id and --lti-token-url');
    return null;
  }
  if (given !== 2) throw new UsageError('BAD_OPTION', 'LTI needs both --lti-client-id and --lti-token-url');
  const lineItems: Record<string, string> = {};
  for (const pair of options.ltiLineitem) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError('BAD_OPTION', `--lti-lineitem takes ASSIGNMENT=URL, not ${JSON.stringify(pair)}`);
    lineItems[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return { clientId: options.ltiClientId!, tokenUrl: options.ltiTokenUrl!, audience: options.ltiAudience, lineItems };
}
