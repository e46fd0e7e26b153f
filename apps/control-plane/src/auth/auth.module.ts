import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiTokenService } from './api-token.service.js';
import { AuthGuard } from './auth.guard.js';
import { TokensController } from './tokens.controller.js';

@Global()
@Module({
  controllers: [TokensController],
  providers: [ApiTokenService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiTokenService],
})
export class AuthModule {}
