import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';

/** A public key the CP has signed with. The private half is never stored. */
@Entity('signing_keys')
export class SigningKeyEntity {
  @PrimaryColumn('text')
  kid: string;

  @Column('text', { name: 'public_key_pem' })
  publicKeyPem: string;

  @Column('jsonb', { name: 'public_jwk' })
  publicJwk: JWK;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  /** Null for a staged key: published and endorsed, not yet signed with. */
  @Column('timestamptz', { name: 'last_activated_at', nullable: true })
  lastActivatedAt: Date | null;

  /** The key that endorsed this one (its predecessor); null for the first key, or one installed without `keys rotate`. */
  @Column('text', { name: 'endorsed_by', nullable: true })
  endorsedBy: string | null;

  /** Compact JWS over this key's public JWK, signed once by `endorsedBy`'s private key. */
  @Column('text', { nullable: true })
  endorsement: string | null;
}
