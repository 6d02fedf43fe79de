/**
 * Our LTI signing key: an RS256 key pair made on first use, the private half sealed in the
 * database (so every API process signs with the same key), the public half served as a
 * JWKS (`/.well-known/jwks.json`) for platforms to check our client assertions against.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { LmsRepository } from '../store/lms-repository.js';
import type { SecretBox } from './secret-box.js';

export const SIGNING_ALG = 'RS256';
const PURPOSE = 'lti-signing-key';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export class SigningKeys {
  private current: Promise<SigningKey> | undefined;

  constructor(
    private readonly repo: LmsRepository,
    private readonly box: SecretBox,
  ) {}

  /** The key in use, made and stored on first call. */
  key(): Promise<SigningKey> {
    this.current ??= this.load().catch((e: unknown) => {
      this.current = undefined;
      throw e;
    });
    return this.current;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const { publicJwk } = await this.key();
    return { keys: [publicJwk] };
  }

  private async load(): Promise<SigningKey> {
    let row = await this.repo.signingKey();
    if (row === undefined) {
      const pair = await generateKeyPair(SIGNING_ALG, { extractable: true });
      const publicJwk = await exportJWK(pair.publicKey);
      const kid = await calculateJwkThumbprint(publicJwk);
      const privateJwk = await exportJWK(pair.privateKey);
      row = await this.repo.saveSigningKeyOnce({
        kid,
        privateEncrypted: this.box.seal(JSON.stringify(privateJwk), PURPOSE),
        publicJwk: { ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' },
      });
    }
    const privateKey = await importJWK(JSON.parse(this.box.open(row.privateEncrypted, PURPOSE)) as JWK, SIGNING_ALG);
    return { kid: row.kid, privateKey: privateKey as CryptoKey, publicJwk: row.publicJwk as JWK };
  }
}
