import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthSessionController } from '../sessions/auth-session.controller.js';
import { OidcSignInService } from '../sessions/oidc-sign-in.service.js';
import { SessionsController } from '../sessions/sessions.controller.js';
import { StaffSessionsService } from '../sessions/staff-sessions.service.js';
import { ApiTokenService } from './api-token.service.js';
import { AuthGuard } from './auth.guard.js';
import { TokensController } from './tokens.controller.js';

/** Who is calling: API tokens, console sessions (OIDC sign-in), and the guard that accepts either. */
@Global()
@Module({
  controllers: [TokensController, AuthSessionController, SessionsController],
  providers: [ApiTokenService, StaffSessionsService, OidcSignInService, AuthGuard, { provide: APP_GUARD, useExisting: AuthGuard }],
  exports: [ApiTokenService],
})
export class AuthModule {}
