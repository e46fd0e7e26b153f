import { Global, Logger, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { ClockSkewMonitor } from './clock-skew.monitor.js';
import { KeysController } from './keys.controller.js';
import { LicenseVerifier } from './license-verifier.service.js';
import { LOADED_SIGNING_KEY, loadSigningKey } from './signing-key.loader.js';
import { SigningKeyService } from './signing-key.service.js';

@Global()
@Module({})
export class KeysModule {
  /** Loads the private key while the module graph is built, so a bad key stops the boot before any database work. */
  static forRoot(config: AppConfig): DynamicModule {
    const loaded = loadSigningKey(config, (message) => new Logger(SigningKeyService.name).warn(message));
    return {
      module: KeysModule,
      controllers: [KeysController],
      providers: [{ provide: LOADED_SIGNING_KEY, useValue: loaded }, SigningKeyService, LicenseVerifier, ClockSkewMonitor],
      exports: [SigningKeyService, LicenseVerifier, ClockSkewMonitor],
    };
  }
}
