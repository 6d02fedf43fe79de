/**
 * `autograder lms add` / `lms list` on an embedded store: the last line of stdout is
 * {id, secret}, the secret is stored sealed (not in plaintext) and opens only with the
 * same LMS key; list never shows it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lmsAddCommand, lmsListCommand } from '../../../src/cli/lms-command.js';
import { loadConfig } from '../../../src/config.js';
import { integrationSecret } from '../../../src/lms/integrations.js';
import { SecretBox } from '../../../src/lms/secret-box.js';
import { createLogger } from '../../../src/logger.js';
import { openStore } from '../../../src/store/store.js';

const logger = createLogger('silent');

describe('autograder lms', () => {
  let dataDir: string;
  let stdout: string[];
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ag-lms-'));
    stdout = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('adds an integration, prints {id, secret} last and keeps the secret sealed', async () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    const code = await lmsAddCommand(
      'moodle-ws',
      {
        allowHost: ['moodle.example.org', 'files.example.org:8443'],
        scoreWebhook: 'https://lms.example.org/scores',
        ltiClientId: 'tool-1',
        ltiTokenUrl: 'https://moodle.example.org/mod/lti/token.php',
        ltiLineitem: ['u05-softmax=https://moodle.example.org/mod/lti/services.php/2/lineitems/7/lineitem'],
      },
      config,
      logger,
    );
    expect(code).toBe(0);
    const last = stdout.join('').trim().split('\n').at(-1)!;
    const { id, secret } = JSON.parse(last) as { id: string; secret: string };
    expect(secret.length).toBeGreaterThanOrEqual(32);

    const db = new BetterSqlite3(join(dataDir, 'autograder.sqlite'), { readonly: true });
    const row = db.prepare('select secret_enc from lms_integrations where id = ?').get(id) as { secret_enc: string };
    db.close();
    expect(row.secret_enc).not.toContain(secret);

    const store = await openStore(config);
    try {
      const integration = (await store.lms.getIntegration(id))!;
      expect(integrationSecret(SecretBox.forConfig(config), integration)).toBe(secret);
      expect(() => integrationSecret(SecretBox.fromKey(Buffer.alloc(32, 7)), integration)).toThrow(/cannot be decrypted/);
      expect(integration.lti?.lineItems['u05-softmax']).toMatch(/lineitems\/7/);
    } finally {
      await store.close();
    }

    stdout.length = 0;
    expect(await lmsListCommand({ json: true }, config, logger)).toBe(0);
    const listed = JSON.parse(stdout.join('')) as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id, name: 'moodle-ws', allowHosts: ['moodle.example.org', 'files.example.org:8443'] });
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it('refuses half an LTI configuration and a taken name', async () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    await expect(lmsAddCommand('x', { allowHost: [], ltiClientId: 'c', ltiLineitem: [] }, config, logger)).rejects.toThrow(/both --lti-client-id and --lti-token-url/);
    expect(await lmsAddCommand('dup', { allowHost: [], ltiLineitem: [] }, config, logger)).toBe(0);
    await expect(lmsAddCommand('dup', { allowHost: [], ltiLineitem: [] }, config, logger)).rejects.toThrow(/exists already/);
    await expect(lmsAddCommand('bad-host', { allowHost: ['https://x.org/path'], ltiLineitem: [] }, config, logger)).rejects.toThrow(/host name/);
  });
});
