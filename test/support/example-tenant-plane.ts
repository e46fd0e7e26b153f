import { Body, Controller, Delete, Get, HttpCode, HttpException, Inject, Module, Post, Put, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { createTenantLicensing, type SdkClock, type SdkLogger, type TenantLicense, type TenantLicensing } from '@atlasai/tenant-sdk';
import { LicenseGuard, LicenseNotRequired } from '@atlasai/tenant-sdk/nest';

const LICENSE = Symbol('TENANT_LICENSE');

/** The license card of the tenant plane: status for the UI, upload without restart. */
@Controller('api/admin/license')
class LicenseController {
  constructor(@Inject(LICENSE) private readonly license: TenantLicense) {}

  @Get()
  describe() {
    return this.license.describe();
  }

  @Get('banner')
  banner() {
    return this.license.banner();
  }

  /** As in the SDK README: no token is a 400, a refused one a 409 with the refusal code, never a 200 with accepted=false. */
  @Put()
  async upload(@Body() body: { token?: unknown }) {
    if (typeof body?.token !== 'string' || !body.token.trim())
      throw new HttpException({ statusCode: 400, code: 'LICENSE_TOKEN_REQUIRED', message: 'Send {"token": "<license>"}.' }, 400);
    const result = await this.license.replace(body.token);
    if (!result.accepted) throw new HttpException({ statusCode: 409, code: result.code, message: result.message, reason: result.reason }, 409);
    return this.license.describe();
  }
}

/** A stand-in for the tenant plane's product API: what the license gates. */
@Controller('api')
class ProductController {
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('incidents')
  list() {
    return { items: [] };
  }

  @Post('incidents')
  create() {
    return { id: 1 };
  }

  @Delete('incidents/:id')
  @HttpCode(204)
  remove() {}

  /** Admin setup (seed 004's unlicensed endpoints): works even when the license is locked. */
  @Post('users')
  @LicenseNotRequired()
  createUser() {
    return { id: 'u1' };
  }
}

export interface ExampleTenantPlane {
  app: INestApplication;
  baseUrl: string;
  licensing: TenantLicensing;
  close(): Promise<void>;
}

/** A small Nest tenant plane wired as the SDK README shows. */
export async function startExampleTenantPlane(options: { env: Record<string, string>; clock: SdkClock; logger: SdkLogger }): Promise<ExampleTenantPlane> {
  const licensing = await createTenantLicensing({ env: options.env, tpVersion: '1.3.0', clock: options.clock, logger: options.logger });

  @Module({
    controllers: [LicenseController, ProductController],
    providers: [
      { provide: LICENSE, useValue: licensing.license },
      { provide: APP_GUARD, useFactory: () => new LicenseGuard(licensing.license) },
    ],
  })
  class ExampleTenantPlaneModule {}

  const app = await NestFactory.create(ExampleTenantPlaneModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    licensing,
    close: async () => {
      licensing.phoneHome?.stop();
      await app.close();
    },
  };
}
