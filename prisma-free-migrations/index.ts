import { InitialSchema1764000000000 } from './1764000000000-InitialSchema.js';
import { NotificationOutbox1764000050000 } from './1764000050000-NotificationOutbox.js';
import { PhoneHome1764000100000 } from './1764000100000-PhoneHome.js';
import { Billing1764000200000 } from './1764000200000-Billing.js';
import { NotificationDelivery1764000300000 } from './1764000300000-NotificationDelivery.js';
import { RetiredPrices1764000400000 } from './1764000400000-RetiredPrices.js';
import { SecondSubscriptionOutcome1764000500000 } from './1764000500000-SecondSubscriptionOutcome.js';
import { ServiceTokenTenant1764000600000 } from './1764000600000-ServiceTokenTenant.js';
import { LicenseLineages1764002000000 } from './1764002000000-LicenseLineages.js';
import { KeyEndorsements1764002100000 } from './1764002100000-KeyEndorsements.js';
import { StripeReadOrder1764003000000 } from './1764003000000-StripeReadOrder.js';
import { ScaleIndexes1764006000000 } from './1764006000000-ScaleIndexes.js';
import { LicenseRequests1764007000000 } from './1764007000000-LicenseRequests.js';
import { EntitlementsNotify1764008000000 } from './1764008000000-EntitlementsNotify.js';
import { TenantUsage1764008100000 } from './1764008100000-TenantUsage.js';
import { StaffIdentity1764009000000 } from './1764009000000-StaffIdentity.js';
import { PhoneHomeRetention1764010000000 } from './1764010000000-PhoneHomeRetention.js';
import { NotificationsListIndex1764011000000 } from './1764011000000-NotificationsListIndex.js';

/** Every migration, oldest first. Listed by hand so the compiled app needs no file globbing. */
export const migrations = [
  InitialSchema1764000000000,
  NotificationOutbox1764000050000,
  PhoneHome1764000100000,
  Billing1764000200000,
  NotificationDelivery1764000300000,
  RetiredPrices1764000400000,
  SecondSubscriptionOutcome1764000500000,
  ServiceTokenTenant1764000600000,
  LicenseLineages1764002000000,
  KeyEndorsements1764002100000,
  StripeReadOrder1764003000000,
  ScaleIndexes1764006000000,
  LicenseRequests1764007000000,
  EntitlementsNotify1764008000000,
  TenantUsage1764008100000,
  StaffIdentity1764009000000,
  PhoneHomeRetention1764010000000,
  NotificationsListIndex1764011000000,
];
