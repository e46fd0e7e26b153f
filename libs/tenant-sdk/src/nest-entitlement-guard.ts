import { HttpException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { limitDenial, moduleDenial, type EntitlementSource, type LimitName } from './plan-entitlements.js';
import type { TenantEntitlements } from './tenant-entitlements.js';

const requiredModules = new WeakMap<object, string[]>();

/** The handler or controller serves `module`; `EntitlementGuard` answers `403 MODULE_NOT_LICENSED` when the plan lacks it. */
export function RequiresModule(module: string): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = descriptor ? (descriptor.value as object) : target;
    requiredModules.set(holder, [...(requiredModules.get(holder) ?? []), module]);
  };
}

/**
 * Applies `@RequiresModule` from a license (`TenantLicense`, beside `LicenseGuard`) or from the control plane's
 * entitlements (`TenantEntitlements`, which also applies the subscription's access level). Register it globally:
 * `{ provide: APP_GUARD, useFactory: () => new EntitlementGuard(license) }`.
 */
export class EntitlementGuard implements CanActivate {
  constructor(private readonly source: EntitlementSource | TenantEntitlements) {}

  canActivate(context: ExecutionContext): boolean {
    if ('authorize' in this.source && context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<{ method: string; url: string; originalUrl?: string }>();
      const decision = this.source.authorize({ method: request.method, path: request.originalUrl ?? request.url });
      if (!decision.allow) throw new HttpException(decision.denial, decision.denial.statusCode);
    }
    for (const module of [...(requiredModules.get(context.getClass()) ?? []), ...(requiredModules.get(context.getHandler()) ?? [])]) {
      const denial = moduleDenial(this.source, module);
      if (denial) throw new HttpException(denial, denial.statusCode);
    }
    return true;
  }
}

/** For create handlers: throws `403 LIMIT_EXCEEDED` when `current` (how many exist before this one) has reached the plan's limit. */
export function assertWithinLimit(source: EntitlementSource, name: LimitName, current: number): void {
  const denial = limitDenial(source, name, current);
  if (denial) throw new HttpException(denial, denial.statusCode);
}
