/**
 * Encrypts LMS secrets at rest with AES-256-GCM (node:crypto). The HMAC of a webhook needs
 * the shared secret itself, so it cannot be stored as a hash; a database dump without the
 * key (config `lmsSecretKey`, or `<dataDir>/lms-secret.key`) reveals none of them.
 *
 * Sealed form: `v1.<iv>.<tag>.<ciphertext>` (base64url), the purpose bound in as
 * additional data so a sealed secret cannot be moved to another column or integration.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
export const LMS_KEY_FILE = 'lms-secret.key';

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== KEY_BYTES) throw new UsageError('BAD_CONFIG', `the LMS secret key must be ${KEY_BYTES} bytes, not ${key.length}`);
    return new SecretBox(key);
  }

  /**
   * The key config names (64 hex digits or base64 of 32 bytes), else the one in
   * `<dataDir>/lms-secret.key`, created (mode 0600) on first use.
   */
  static forConfig(config: Pick<Config, 'dataDir'> & Partial<Pick<Config, 'lmsSecretKey'>>): SecretBox {
    const configured = config.lmsSecretKey?.trim() ?? '';
    if (configured !== '') return SecretBox.fromKey(decodeKey(configured));
    const file = join(config.dataDir, LMS_KEY_FILE);
    try {
      return SecretBox.fromKey(decodeKey(readFileSync(file, 'utf8').trim()));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    mkdirSync(config.dataDir, { recursive: true });
    try {
      // 'wx': two processes starting at once must not each write a different key.
      writeFileSync(file, `${randomBytes(KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    return SecretBox.fromKey(decodeKey(readFileSync(file, 'utf8').trim()));
  }

  seal(plaintext: string, purpose: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  open(sealed: string, purpose: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new UsageError('BAD_SEALED_SECRET', `a stored LMS secret (${purpose}) is not in the v1 sealed format`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new UsageError(
        'WRONG_LMS_KEY',
        `a stored LMS secret (${purpose}) cannot be decrypted: the LMS secret key (AUTOGRADER_LMS_KEY or ${LMS_KEY_FILE}) is not the one it was stored with`,
        { cause },
      );
    }
  }
}

function decodeKey(text: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) throw new UsageError('BAD_CONFIG', `AUTOGRADER_LMS_KEY must be 32 bytes as 64 hex digits or base64 (got ${key.length} bytes)`);
  return key;
}
