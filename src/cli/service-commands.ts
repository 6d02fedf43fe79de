/**
 * The commands of the grading service: serve, worker, tokens, submit, status, regrade.
 * Registered on the `autograder` program by main.ts.
 */
import { Option, type Command } from 'commander';
import type { Config } from '../config.js';
import { createLogger } from '../logger.js';
import { serveCommand } from './serve-command.js';
import { regradeBatchCommand } from './regrade-command.js';
import { reportCommand } from './report-command.js';
import { statusCommand, submitCommand } from './submit-command.js';
import { tokensCreateCommand, tokensListCommand, tokensRevokeCommand } from './tokens-command.js';
import { workerCommand } from './worker-command.js';

/** Every command logs at LOG_LEVEL (config.logLevel), whose one default is in src/config.ts. */
const commandLogger = (config: Config) => createLogger(config.logLevel);

const apiOption = () => new Option('--api <url>', 'the grading service (default: API_URL or http://127.0.0.1:3000)');
const tokenOption = () => new Option('--token <token>', 'your API token (default: AUTOGRADER_TOKEN)');
const waitOption = () => new Option('--wait <seconds>', 'how long to wait for the grade; 0 returns at once').default('600');

export function registerServiceCommands(program: Command, config: Config, setExitCode: (code: number) => void): void {
  program
    .command('serve')
    .description('run the API and a worker in this process (SQLite under DATA_DIR, Redis at REDIS_URL)')
    .option('-p, --port <port>', 'port to listen on; 0 picks a free one (default: PORT or 3000)')
    .option('--host <address>', 'address to listen on; 0.0.0.0 serves other machines', '127.0.0.1')
    .option('--no-worker', 'run the API only; workers run elsewhere (`autograder worker`)')
    .action(async (options) => setExitCode(await serveCommand(options, config, commandLogger(config))));

  program
    .command('worker')
    .description('grade jobs from the queue (needs REDIS_URL, API_URL and WORKER_TOKEN; no database)')
    .action(async () => setExitCode(await workerCommand(config, commandLogger(config))));

  const tokens = program.command('tokens').description('manage API tokens (works on the database: run it where the server runs)');
  tokens
    .command('create')
    .description('create a user with a token; the token is the last line printed')
    .addOption(new Option('--role <role>', 'what the token may do').choices(['student', 'instructor', 'lms', 'worker', 'admin']).makeOptionMandatory())
    .requiredOption('--name <name>', "the person's or machine's name")
    .option('--student <id>', 'student number (a second token for the same number goes to the same user)')
    .option('--expires-in <duration>', 'the token stops working after this long, e.g. 90m, 12h, 30d, 8w (default: never)')
    .action(async (options) => setExitCode(await tokensCreateCommand(options, config, commandLogger(config))));
  tokens
    .command('list')
    .description('list tokens by id with their user, role, last use, expiry and whether revoked (secrets are never shown)')
    .option('--json', 'as JSON')
    .action(async (options) => setExitCode(await tokensListCommand(options, config, commandLogger(config))));
  tokens
    .command('revoke')
    .description('revoke a token by the id `tokens list` shows; it stops working at once')
    .argument('<id>', 'the token id')
    .action(async (id: string) => setExitCode(await tokensRevokeCommand(id, config, commandLogger(config))));

  program
    .command('submit')
    .description('upload a notebook (or .zip) to the grading service, wait for the grade, print the report')
    .argument('<file>', 'the submission')
    .requiredOption('-a, --assignment <id>', 'assignment id')
    .addOption(apiOption())
    .addOption(tokenOption())
    .addOption(waitOption())
    .option('--json', 'print the submission with its report as JSON')
    .action(async (file: string, options) => setExitCode(await submitCommand(file, options, config)));

  program
    .command('status')
    .description("show a submission's status and report")
    .argument('<submission-id>')
    .addOption(apiOption())
    .addOption(tokenOption())
    .option('--json', 'as JSON')
    .action(async (id: string, options) => setExitCode(await statusCommand(id, options, config)));

  program
    .command('regrade')
    .description('grade submissions again (instructor): one (waits and prints its report), a student\'s, an assignment\'s or all; lists every score that changed')
    .argument('[submission-id]', 'one submission (same as --submission)')
    .option('--submission <id>', 'one submission')
    .option('--student <id>', "a student's submissions (student number or user id; with --assignment)")
    .option('--assignment <id>', "an assignment's submissions")
    .option('--all', 'every submission of every assignment')
    .option('--dry-run', 'grade here and show what would change; publish nothing')
    .addOption(apiOption())
    .addOption(tokenOption())
    .addOption(new Option('--wait <seconds>', 'how long to wait for the grade (a batch: for the next grade to arrive); 0 returns at once').default('600'))
    .option('--json', 'as JSON')
    .action(async (id: string | undefined, options) => setExitCode(await regradeBatchCommand(id, options, config, commandLogger(config))));

  program
    .command('report')
    .description("an assignment's submissions with their current scores (instructor)")
    .requiredOption('-a, --assignment <id>', 'assignment id')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .addOption(apiOption())
    .addOption(tokenOption())
    .action(async (options) => setExitCode(await reportCommand(options, config)));
}
