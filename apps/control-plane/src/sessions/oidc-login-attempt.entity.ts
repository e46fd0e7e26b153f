import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One authorization request in flight: the PKCE verifier and nonce stay on the server, keyed by the
 * hash of `state`; the browser that started it holds a cookie whose hash is `browserHash`. Deleted
 * when the callback uses it, so a state (and the code that came with it) works once.
 */
@Entity('oidc_login_attempts')
export class OidcLoginAttemptEntity {
  @PrimaryColumn('text', { name: 'state_hash' })
  stateHash: string;

  @Column('text', { name: 'browser_hash' })
  browserHash: string;

  @Column('text', { name: 'code_verifier' })
  codeVerifier: string;

  @Column('text')
  nonce: string;

  @Column('text', { name: 'return_to' })
  returnTo: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;
}
