import { createPublicKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { JWK } from 'jose';
import { Repository, type EntityManager } from 'typeorm';
import { endorseKey, keyIdOf, LICENSE_ALGORITHM, publicJwkOf, signLicenseToken, type KeyChainLink, type LicenseClaims } from '@atlasai/license-core';
import { CLOCK, type Clock } from '../common/clock.js';
import { ClockSkewMonitor } from './clock-skew.monitor.js';
import { LOADED_SIGNING_KEY, type LoadedSigningKey } from './signing-key.loader.js';
import { SigningKeyEntity } from './signing-key.entity.js';

/** The key chain rides on every phone-home reply; re-read at most this often (a staged key appears within it). */
const CHAIN_TTL_MS = 60_000;

/**
 * Holds the active private key in memory and the registry of every public key ever used or staged,
 * each endorsed by its predecessor, so tokens signed before a rotation keep verifying and tenant
 * planes that trust an older key can learn the newer ones.
 */
@Injectable()
export class SigningKeyService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeyService.name);
  private active: { kid: string; privateKey: KeyObject; publicKeyPem: string; source: LoadedSigningKey['source'] };
  private readonly publicKeys = new Map<string, KeyObject>();
  private chain: { links: KeyChainLink[]; at: number } | undefined;

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
    const row = await this.keys.findOneByOrFail({ kid });
    if (!row.endorsement && (await this.keys.countBy({})) > 1) {
      this.logger.warn(
        `signing key ${kid} is not endorsed by an earlier key: tenant planes that trust only older keys cannot learn it. Rotate with \`licensectl keys rotate\` or CP_LICENSE_NEXT_PRIVATE_KEY_FILE.`,
      );
    }
    if (this.loaded.next) await this.stage(this.loaded.next);
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

  /**
   * Publishes the next key, endorsed by the active one: the only moment the endorsement can be made,
   * since the old private key is gone after the rotation. Staging the same key twice changes nothing.
   */
  async stage(next: KeyObject): Promise<{ kid: string; endorsedBy: string; created: boolean }> {
    const publicKey = createPublicKey(next);
    const kid = await keyIdOf(publicKey);
    const existing = await this.keys.findOneBy({ kid });
    if (existing) return { kid, endorsedBy: existing.endorsedBy ?? this.active.kid, created: false };
    await this.keys
      .createQueryBuilder()
      .insert()
      .values({
        kid,
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        publicJwk: await publicJwkOf(publicKey),
        createdAt: this.clock.now(),
        lastActivatedAt: null,
        endorsedBy: this.active.kid,
        endorsement: await endorseKey(publicKey, this.active.privateKey, this.active.kid),
      })
      .orIgnore()
      .execute();
    this.chain = undefined;
    this.logger.log(`signing key staged: kid=${kid} endorsed_by=${this.active.kid}`);
    return { kid, endorsedBy: this.active.kid, created: true };
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

  /**
   * Every key, oldest first, with its endorsement: what a tenant plane follows from a key it trusts.
   * Inside a transaction pass its manager: the embedded database serves one transaction at a time, so a
   * read on a second connection would wait for the transaction that waits for it.
   */
  async keyChain(manager?: EntityManager): Promise<KeyChainLink[]> {
    const now = this.clock.now().getTime();
    if (this.chain && Math.abs(now - this.chain.at) < CHAIN_TTL_MS) return this.chain.links;
    const rows = await (manager?.getRepository(SigningKeyEntity) ?? this.keys).find({ order: { createdAt: 'ASC' } });
    const links = rows.map((row) => ({
      kid: row.kid,
      jwk: { kty: 'RSA' as const, n: row.publicJwk.n!, e: row.publicJwk.e! },
      endorsed_by: row.endorsedBy,
      endorsement: row.endorsement,
    }));
    this.chain = { links, at: now };
    return links;
  }
}
