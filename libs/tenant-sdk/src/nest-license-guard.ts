import { HttpException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { denialBody, LICENSE_DENIED_STATUS, type IdentifyRequest } from './enforcement-middleware.js';
import type { TenantLicense } from './tenant-license.js';

const unlicensed = new WeakSet<object>();

/**
 * Marks a controller or handler as not needing a license (seed 004's admin setup routes: users,
 * login, providers), so it works even when the tenant plane is locked or at its active-use cap.
 */
export function LicenseNotRequired(): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    unlicensed.add(descriptor ? (descriptor.value as object) : target);
  };
}

interface HttpRequestLike {
  method: string;
  url: string;
  originalUrl?: string;
}

/**
 * A NestJS guard over `TenantLicense.authorize`. Register it globally:
 * `{ provide: APP_GUARD, useFactory: () => new LicenseGuard(license) }` or `app.useGlobalGuards(new LicenseGuard(license))`.
 */
export class LicenseGuard implements CanActivate {
  constructor(
    private readonly license: TenantLicense,
    private readonly options: { identify?: IdentifyRequest<any> } = {},
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (unlicensed.has(context.getHandler()) || unlicensed.has(context.getClass())) return true;
    // WebSocket and microservice calls have no HTTP method: they are judged as writes to a licensed route.
    const request = context.getType() === 'http' ? context.switchToHttp().getRequest<HttpRequestLike>() : { method: 'POST', url: `/${context.getType()}` };
    const decision = this.license.authorize({ method: request.method, path: request.originalUrl ?? request.url, ...this.options.identify?.(request) });
    if (decision.allow) return true;
    throw new HttpException(denialBody(decision), LICENSE_DENIED_STATUS);
  }
}

export { assertWithinLimit, EntitlementGuard, RequiresModule } from './nest-entitlement-guard.js';
