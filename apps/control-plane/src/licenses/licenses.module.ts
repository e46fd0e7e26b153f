import { Global, Module } from '@nestjs/common';
import { LicenseIssuerService } from './license-issuer.service.js';
import { LicensesController } from './licenses.controller.js';
import { LicensesService } from './licenses.service.js';

@Global()
@Module({ controllers: [LicensesController], providers: [LicenseIssuerService, LicensesService], exports: [LicenseIssuerService, LicensesService] })
export class LicensesModule {}
