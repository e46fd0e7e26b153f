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

  @Column('timestamptz', { name: 'last_activated_at' })
  lastActivatedAt: Date;
}
