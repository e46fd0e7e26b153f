import { createPublicKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { JWK } from 'jose';
import { Repository } from 'typeorm';
import { keyIdOf, LICENSE_ALGORITHM, publicJwkOf, signLicenseToken, type LicenseClaims } from '../../../../libs/license-core/src/index.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { ClockSkewMonitor } from './clock-skew.monitor.js';
import { LOADED_SIGNING_KEY, type LoadedSigningKey } from './signing-key.loader.js';
import { SigningKeyEntity } from './signing-key.entity.js';

/**
 * Holds the active private key in memory and the registry of every public key ever used,
 * so tokens signed before a rotation keep verifying.
 */
@Injectable()
export class SigningKeyService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeyService.name);
  private active: { kid: string; privateKey: KeyObject; publicKeyPem: string; source: LoadedSigningKey['source'] };
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @InjectRepository(SigningKeyEntity) private readonly keys: Repository<SigningKeyEntity>,
    @Inject(LOADED_SIGNING_KEY) private readonly loaded: LoadedSigningKey,
    private readonly clockSkew: ClockSkewMonitor,
  ) {}

  async onModuleInit(): Promise<void> {
    const { privateKey, source } = this.loaded;
    const publicKey = createPublicKey(privateKey);
    const kid = await keyIdOf(publicKey);
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const now = this.clock.now();
    await this.keys
      .createQueryBuilder()
      .insert()
      .values({ kid, publicKeyPem, publicJwk: await publicJwkOf(publicKey), createdAt: now, lastActivatedAt: now })
      .orUpdate(['last_activated_at'], ['kid'])
      .execute();
    this.active = { kid, privateKey, publicKeyPem, source };
    this.publicKeys.set(kid, publicKey);
    this.logger.log(`signing key loaded: kid=${kid} source=${source}`);
  }

  get activeKid(): string {
    return this.active.kid;
  }

  get activePublicKeyPem(): string {
    return this.active.publicKeyPem;
  }

  get isLoaded(): boolean {
    return this.active !== undefined;
  }

  async sign(claims: LicenseClaims): Promise<string> {
    await this.clockSkew.assertCanSign();
    return signLicenseToken(claims, this.active.privateKey, this.active.kid);
  }

  /** Resolves any key the CP has ever signed with; other replicas may have registered keys since boot. */
  async publicKeyFor(kid: string): Promise<KeyObject | undefined> {
    const cached = this.publicKeys.get(kid);
    if (cached) return cached;
    const row = await this.keys.findOneBy({ kid });
    if (!row) return undefined;
    const key = createPublicKey(row.publicKeyPem);
    this.publicKeys.set(kid, key);
    return key;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const rows = await this.keys.find({ order: { createdAt: 'ASC' } });
    return { keys: rows.map((row) => ({ ...row.publicJwk, kid: row.kid, alg: LICENSE_ALGORITHM, use: 'sig' })) };
  }
}
