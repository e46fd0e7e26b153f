export { ActiveUseCounter, type ActiveUseReport, type ActiveUseResult } from './active-use-counter.js';
export { writeFileAtomic } from './atomic-file.js';
export {
  decideAccess,
  DEFAULT_ENFORCEMENT_POLICY,
  normalizePath,
  type AccessDecision,
  type DenyCode,
  type EnforcementPolicy,
  type EnforcementStatus,
} from './enforcement.js';
export {
  denialBody,
  LICENSE_DENIED_STATUS,
  licenseHook,
  licenseMiddleware,
  type IdentifyRequest,
  type LicenseMiddlewareOptions,
} from './enforcement-middleware.js';
export { HighWaterMarkStore, type HighWaterMarkState } from './high-water-mark-store.js';
export { describeLicense, keyHint, licenseBanner, type LicenseBanner, type LicenseDescription } from './license-description.js';
export { verifyTenantLicense, type TenantInvalidReason, type TenantVerification, type TenantVerifyOptions } from './license-verification.js';
export { machineFingerprint, readMachineFacts, type MachineFacts, type MachineFingerprint } from './machine-fingerprint.js';
export { entitlementsMiddleware, requireModule, requireWithinLimit } from './entitlement-middleware.js';
export {
  checkLimit,
  DEFAULT_UPGRADE_URL,
  hasModule,
  limitDenial,
  limitOf,
  moduleDenial,
  PlanQueries,
  type EntitlementDenial,
  type EntitlementSource,
  type LimitCheck,
  type LimitName,
  type PlanEntitlements,
} from './plan-entitlements.js';
export { SseParser, type ServerSentEvent } from './sse-parser.js';
export {
  decideSubscriptionAccess,
  DEFAULT_SUBSCRIPTION_POLICY,
  type AccessLevel,
  type SubscriptionDecision,
  type SubscriptionDenial,
  type SubscriptionDenyCode,
  type SubscriptionPolicy,
  type SubscriptionStanding,
} from './subscription-access.js';
export {
  createTenantEntitlements,
  entitlementsSchema,
  TenantEntitlements,
  type Entitlements,
  type EntitlementsState,
  type TenantEntitlementsOptions,
  type UsageReport,
} from './tenant-entitlements.js';
export { PhoneHomeClient, systemTimer, type PhoneHomeAttempt, type PhoneHomeOptions, type PhoneHomeOutcome, type SdkTimer } from './phone-home-client.js';
export { consoleLogger, systemClock, type SdkClock, type SdkLogger } from './sdk-logger.js';
export {
  TenantLicense,
  type LicenseDetails,
  type LicenseOrigin,
  type LicenseSnapshot,
  type ReplaceRefusalCode,
  type ReplaceResult,
  type TenantLicenseOptions,
} from './tenant-license.js';
export {
  createTenantLicensing,
  TenantLicenseConfigError,
  tenantLicenseEnvSchema,
  type TenantLicenseEnv,
  type TenantLicensing,
  type TenantLicensingOptions,
} from './tenant-sdk-config.js';
export { loadTrustedKeys, loadTrustedKeysFromFile, TrustedKeyError, TrustedKeys } from './trusted-keys.js';
export {
  computeLicensePhase,
  DAY_MS,
  LICENSE_STATUSES,
  licenseClaimsSchema,
  type KeyChainLink,
  type LicenseClaims,
  type LicenseInvalidReason,
  type LicensePhase,
  type LicenseStatus,
} from '@atlasai/license-core';
