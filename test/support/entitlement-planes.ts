import { Controller, Get, HttpCode, Module, Post, type INestApplication } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EntitlementSource, TenantEntitlements, TenantLicense } from '@atlasai/tenant-sdk';
import type { TenantSdk, PackedSdkNest } from './packed-sdk.js';

/** A tenant plane under test: its URL and how to stop it. */
export interface EntitlementPlane {
  baseUrl: string;
  close(): Promise<void>;
}

/** What the planes gate: `automation` routes (a module) and user creation (the `users` limit). */
export type PlaneSource = { kind: 'license'; license: TenantLicense } | { kind: 'entitlements'; entitlements: TenantEntitlements };

function sourceOf(plane: PlaneSource): EntitlementSource {
  return plane.kind === 'license' ? plane.license : plane.entitlements;
}

/** A Nest tenant plane wired as the SDK README shows: LicenseGuard (license) or EntitlementGuard alone (SaaS). */
export async function startNestPlane(sdk: { nest: PackedSdkNest }, plane: PlaneSource): Promise<EntitlementPlane> {
  const source = sourceOf(plane);
  const users: string[] = [];

  @Controller('api')
  class ProductController {
    @Get('health')
    health() {
      return { status: 'ok' };
    }

    @Get('incidents')
    incidents() {
      return { items: [] };
    }

    @Get('automation/runs')
    @sdk.nest.RequiresModule('automation')
    runs() {
      return { items: [] };
    }

    @Post('users')
    @HttpCode(201)
    createUser() {
      sdk.nest.assertWithinLimit(source, 'users', users.length);
      users.push(`u${users.length + 1}`);
      return { id: users.at(-1) };
    }
  }

  const guards =
    plane.kind === 'license'
      ? [
          { provide: APP_GUARD, useFactory: () => new sdk.nest.LicenseGuard(plane.license) },
          { provide: APP_GUARD, useFactory: () => new sdk.nest.EntitlementGuard(plane.license) },
        ]
      : [{ provide: APP_GUARD, useFactory: () => new sdk.nest.EntitlementGuard(plane.entitlements) }];

  @Module({ controllers: [ProductController], providers: guards })
  class NestPlaneModule {}

  const app: INestApplication = await NestFactory.create(NestPlaneModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** The same plane on plain Express with the SDK's middleware. */
export async function startExpressPlane(sdk: { sdk: TenantSdk }, plane: PlaneSource): Promise<EntitlementPlane> {
  const source = sourceOf(plane);
  const users: string[] = [];
  const app = express();
  app.use(plane.kind === 'license' ? sdk.sdk.licenseMiddleware(plane.license) : sdk.sdk.entitlementsMiddleware(plane.entitlements));
  app.get('/api/health', (_request, response) => void response.json({ status: 'ok' }));
  app.get('/api/incidents', (_request, response) => void response.json({ items: [] }));
  app.get('/api/automation/runs', sdk.sdk.requireModule(source, 'automation'), (_request, response) => void response.json({ items: [] }));
  app.post(
    '/api/users',
    sdk.sdk.requireWithinLimit(source, 'users', () => users.length),
    (_request, response) => {
      users.push(`u${users.length + 1}`);
      response.status(201).json({ id: users.at(-1) });
    },
  );
  const server: Server = await new Promise((done) => {
    const listening = app.listen(0, '127.0.0.1', () => done(listening));
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
