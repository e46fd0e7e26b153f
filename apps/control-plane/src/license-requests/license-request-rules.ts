import { DAY_MS } from '@atlasai/license-core';
import { AppError } from '../common/app-error.js';
import type { LicenseRecordStatus } from '../licenses/license.entity.js';
import type { SubscriptionStatus } from '../subscriptions/subscription.entity.js';
import type { LicenseRequestKind } from './license-request.entity.js';

/** Seed 004: "request a renewal when less than 30 days remain". */
export const RENEWAL_WINDOW_DAYS = 30;

export interface SubscriptionTerms {
  status: SubscriptionStatus;
  planId: string;
  addons: string[];
}

export interface RequestedTerms {
  kind: LicenseRequestKind;
  planId: string;
  addons: string[];
}

/** Licenses are requested against a live subscription: none, or a canceled one, is refused. */
export function assertSubscriptionLive(tenantId: string, subscription: SubscriptionTerms | null): asserts subscription is SubscriptionTerms {
  if (!subscription || subscription.status === 'canceled') {
    throw AppError.conflict(
      'SUBSCRIPTION_INACTIVE',
      `Tenant "${tenantId}" has ${subscription ? 'a canceled subscription' : 'no subscription'}; subscribe to a plan before requesting a license.`,
      { subscription_status: subscription?.status ?? null },
    );
  }
}

/** Whether the subscription already includes the plan and every add-on asked for. */
export function subscriptionCovers(subscription: SubscriptionTerms, planId: string, addons: string[]): boolean {
  return planId === subscription.planId && addons.every((addon) => subscription.addons.includes(addon));
}

/**
 * Whether the terms asked for fit the subscription. Another plan needs kind `upgrade`; add-ons beyond
 * the subscription (that the plan offers) are allowed but flagged, so support sees that a plan change
 * has to come first.
 */
export function assessRequestedTerms(tenantId: string, subscription: SubscriptionTerms | null, requested: RequestedTerms): { needsPlanChange: boolean } {
  assertSubscriptionLive(tenantId, subscription);
  const covered = subscriptionCovers(subscription, requested.planId, requested.addons);
  if (requested.kind === 'upgrade') {
    if (covered) {
      throw AppError.validation(
        `The subscription already has plan "${subscription.planId}" with these add-ons; an upgrade asks for another plan or more add-ons.`,
        [{ field: 'plan_id', message: 'ask for another plan or add-ons the subscription lacks' }],
      );
    }
    return { needsPlanChange: true };
  }
  if (requested.planId !== subscription.planId) {
    throw AppError.conflict(
      'PLAN_NOT_IN_SUBSCRIPTION',
      `The subscription of tenant "${tenantId}" is for plan "${subscription.planId}", not "${requested.planId}"; request an upgrade to change plans.`,
      { subscription_plan_id: subscription.planId, requested_plan_id: requested.planId },
    );
  }
  return { needsPlanChange: !covered };
}

export interface ReplacedLicense {
  id: string;
  tenantId: string;
  status: LicenseRecordStatus;
  deploymentMode: string;
  expiresAt: Date;
}

/** A renewal or replacement names a license of the same tenant that is still the head of its installation. */
export function assertReplaceable(kind: LicenseRequestKind, tenantId: string, license: ReplacedLicense | null, licenseId: string, now: Date): void {
  // Another tenant's license is "not found": a customer learns nothing about ids outside their tenant.
  if (!license || license.tenantId !== tenantId) throw AppError.notFound('License', licenseId, 'LICENSE_NOT_FOUND');
  if (license.status === 'revoked') throw AppError.conflict('LICENSE_REVOKED', `License "${licenseId}" is revoked; request a new license instead.`);
  if (license.status === 'superseded') {
    throw AppError.conflict(
      'LICENSE_SUPERSEDED',
      `License "${licenseId}" was already replaced by a newer license; name the newest license of the installation.`,
    );
  }
  if (kind !== 'renewal') return;
  if (license.deploymentMode !== 'on_prem') {
    throw AppError.conflict(
      'NOT_RENEWABLE_ON_REQUEST',
      `License "${licenseId}" is ${license.deploymentMode}: it renews itself by phone-home. Request a replacement if the installation cannot phone home.`,
    );
  }
  const opensAt = new Date(license.expiresAt.getTime() - RENEWAL_WINDOW_DAYS * DAY_MS);
  if (now < opensAt) {
    throw AppError.conflict(
      'RENEWAL_TOO_EARLY',
      `License "${licenseId}" expires on ${license.expiresAt.toISOString().slice(0, 10)}; renewals can be requested from ${opensAt.toISOString().slice(0, 10)} (${RENEWAL_WINDOW_DAYS} days before expiry).`,
      { renewable_from: opensAt.toISOString() },
    );
  }
}
