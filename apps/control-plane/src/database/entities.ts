import { AuditEventEntity } from '../audit/audit-event.entity.js';
import { ApiTokenEntity } from '../auth/api-token.entity.js';
import { LoginLinkEntity } from '../billing/login-link.entity.js';
import { StripeEventEntity } from '../billing/stripe-event.entity.js';
import { StripePriceEntity } from '../billing/stripe-price.entity.js';
import { SigningKeyEntity } from '../keys/signing-key.entity.js';
import { LicenseRequestEntity } from '../license-requests/license-request.entity.js';
import { LicenseEntity } from '../licenses/license.entity.js';
import { NotificationEntity } from '../notifications/notification.entity.js';
import { CloneAlertEntity } from '../phone-home/clone-alert.entity.js';
import { PhoneHomeEntity } from '../phone-home/phone-home.entity.js';
import { PlanEntity } from '../plans/plan.entity.js';
import { OidcLoginAttemptEntity } from '../sessions/oidc-login-attempt.entity.js';
import { StaffSessionEntity } from '../sessions/staff-session.entity.js';
import { SubscriptionEventEntity } from '../subscriptions/subscription-event.entity.js';
import { SubscriptionEntity } from '../subscriptions/subscription.entity.js';
import { TenantEntity } from '../tenants/tenant.entity.js';

/** Every entity, registered explicitly (no globbing, so the compiled app and the tests see the same list). */
export const entities = [
  AuditEventEntity,
  ApiTokenEntity,
  SigningKeyEntity,
  LicenseEntity,
  NotificationEntity,
  PhoneHomeEntity,
  CloneAlertEntity,
  PlanEntity,
  SubscriptionEntity,
  TenantEntity,
  StripePriceEntity,
  StripeEventEntity,
  SubscriptionEventEntity,
  LoginLinkEntity,
  LicenseRequestEntity,
  StaffSessionEntity,
  OidcLoginAttemptEntity,
];
