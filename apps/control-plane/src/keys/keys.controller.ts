import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/auth.decorators.js';
import { SigningKeyService } from './signing-key.service.js';
import { ApiReply } from '../openapi/api-reply.decorator.js';
import { jwksResponse, keyChainResponse } from './keys.responses.js';

@Controller()
@Public()
export class KeysController {
  constructor(private readonly keys: SigningKeyService) {}

  /** Every key the CP has signed with, so tokens from before a rotation still verify. */
  @Get('.well-known/jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiReply({ summary: 'The JSON Web Key Set of every signing key', schema: jwksResponse })
  jwks() {
    return this.keys.jwks();
  }

  /**
   * Every key with its endorsement by its predecessor: a tenant plane that trusts any key of the chain
   * can verify its way to the newest, so a rotation needs nobody to copy a PEM to each installation.
   */
  @Get('.well-known/license-key-chain.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiReply({ summary: 'Every signing key, each endorsed by its predecessor', schema: keyChainResponse })
  async keyChain() {
    return { active_kid: this.keys.activeKid, keys: await this.keys.keyChain() };
  }

  /** The active key as PEM, the value tenant planes put in CP_LICENSE_PUBLIC_KEY. */
  @Get('api/v1/public-key')
  @Header('Content-Type', 'application/x-pem-file')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiReply({ summary: 'The active public key (PEM)', produces: 'application/x-pem-file' })
  publicKey(): string {
    return this.keys.activePublicKeyPem;
  }
}
