import { DAY_MS } from '@atlasai/license-core';
import type { NotificationFacts, NotificationStage } from './notification.entity.js';

/** What a template needs beyond the row's facts. */
export interface TemplateContext {
  now: Date;
  tenantId: string | null;
  tenantName: string;
  portalUrl: string;
  supportEmail: string;
  /** The one-time login link of a `login_link` email: a secret, kept off the row's facts. */
  loginUrl?: string;
}

/** An email that no retry can ever send (its login link expired or is gone): delivery fails it at once. */
export class UndeliverableNotification extends Error {}

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

interface Letter {
  subject: string;
  paragraphs: string[];
  /** Labelled facts, shown as a table in HTML and as "Label: value" lines in text. */
  details: [string, string | undefined][];
  /** The one thing the reader should do, with where to do it. */
  action: { label: string; url: string };
}

type Facts = NotificationFacts;

const LONG_DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function str(facts: Facts, key: string): string | undefined {
  const value = facts[key];
  if (value === null || value === undefined || value === '') return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** "1 December 2026" (UTC): unambiguous on either side of the Atlantic. */
export function longDate(iso: string | undefined): string | undefined {
  return iso ? LONG_DATE.format(new Date(iso)) : undefined;
}

/** Whole days until `iso`, rounded up like the license's `days_remaining`; never negative. */
export function daysUntil(iso: string, now: Date): number {
  return Math.max(0, Math.ceil((new Date(iso).getTime() - now.getTime()) / DAY_MS));
}

/** "25 November 2026 at 14:05 UTC": for deadlines measured in minutes. */
export function longDateTime(iso: string): string {
  return `${DATE_TIME.format(new Date(iso))} UTC`;
}

function days(count: number): string {
  return count === 1 ? '1 day' : `${count} days`;
}

function dateWithDays(facts: Facts, key: string, now: Date): string | undefined {
  const iso = str(facts, key);
  return iso ? `${longDate(iso)} (${days(daysUntil(iso, now))} from now)` : undefined;
}

function mailto(address: string, subject: string): string {
  return `mailto:${address}?subject=${encodeURIComponent(subject)}`;
}

/** The portal opens its renewal request form for this license (after sign-in when needed). */
export function renewalRequestUrl(portalUrl: string, licenseId: string | undefined): string {
  const url = new URL(portalUrl);
  url.searchParams.set('request', 'renewal');
  if (licenseId) url.searchParams.set('license_id', licenseId);
  return url.toString();
}

const MODE = { on_prem: 'on-prem (air-gapped)', byoc: 'BYOC (renews by phone-home)' } as Record<string, string>;

function portal(facts: Facts, ctx: TemplateContext, label: string): Letter['action'] {
  return { label, url: str(facts, 'portal_url') ?? ctx.portalUrl };
}

function subscriptionDetails(facts: Facts): Letter['details'] {
  return [
    ['Plan', str(facts, 'plan_name') ?? str(facts, 'plan_id')],
    ['Billing', str(facts, 'billing_interval')],
  ];
}

function licenseDetails(facts: Facts): Letter['details'] {
  return [
    ['License id', str(facts, 'license_id')],
    ['Plan', str(facts, 'plan_name') ?? str(facts, 'plan_id')],
    ['Deployment', MODE[str(facts, 'deployment_mode') ?? ''] ?? str(facts, 'deployment_mode')],
  ];
}

const LETTERS: Record<NotificationStage, (facts: Facts, ctx: TemplateContext) => Letter> = {
  payment_failed: (facts, ctx) => {
    const graceEnd = str(facts, 'grace_ends_at');
    const left = graceEnd ? days(daysUntil(graceEnd, ctx.now)) : undefined;
    return {
      subject: `Payment failed for ${ctx.tenantName}: update your payment method${graceEnd ? ` by ${longDate(graceEnd)}` : ''}`,
      paragraphs: [
        `We could not collect the payment for the AtlasAI subscription of ${ctx.tenantName}. The subscription is now past due and a grace period has started.`,
        `During the grace period you can still read your data, but writes (creating incidents, running automation, and so on) are suspended.` +
          (graceEnd ? ` The grace period ends on ${longDate(graceEnd)}, in ${left}; after that the account is suspended and all API access is blocked.` : ''),
        'To restore full access, update your payment method in the Customer Portal. Nothing is deleted.',
      ],
      details: [
        ...subscriptionDetails(facts),
        ['Payment failed on', longDate(str(facts, 'failed_at'))],
        ['Grace period ends', dateWithDays(facts, 'grace_ends_at', ctx.now)],
      ],
      action: portal(facts, ctx, 'Update your payment method'),
    };
  },
  grace_ending: (facts, ctx) => {
    const graceEnd = str(facts, 'grace_ends_at');
    const left = graceEnd ? days(daysUntil(graceEnd, ctx.now)) : 'a few days';
    return {
      subject: `${ctx.tenantName}: your AtlasAI account will be suspended in ${left}`,
      paragraphs: [
        `The payment for ${ctx.tenantName} is still outstanding. ` +
          (graceEnd ? `The grace period ends on ${longDate(graceEnd)} (${left} left); ` : 'The grace period ends soon; ') +
          'after that the account is suspended and all API access is blocked.',
        'Update your payment method in the Customer Portal to keep your access. Writes stay suspended until the payment succeeds.',
      ],
      details: [...subscriptionDetails(facts), ['Grace period ends', dateWithDays(facts, 'grace_ends_at', ctx.now)]],
      action: portal(facts, ctx, 'Update your payment method'),
    };
  },
  suspended: (facts, ctx) => ({
    subject: `${ctx.tenantName}: your AtlasAI account is suspended`,
    paragraphs: [
      `The grace period for the unpaid AtlasAI subscription of ${ctx.tenantName} has ended, so the account is suspended: all API access is blocked.`,
      'Your data is kept. Pay the outstanding invoice in the Customer Portal and access is restored as soon as the payment succeeds.',
    ],
    details: [
      ...subscriptionDetails(facts),
      ['Suspended on', longDate(str(facts, 'suspended_at'))],
      ['Grace period ended', longDate(str(facts, 'grace_ends_at'))],
    ],
    action: portal(facts, ctx, 'Pay and reactivate'),
  }),
  reactivated: (facts, ctx) => ({
    subject: `${ctx.tenantName}: your AtlasAI subscription is active again`,
    paragraphs: [`Thank you: the payment for ${ctx.tenantName} succeeded and the subscription is active again, with full access to everything in your plan.`],
    details: [...subscriptionDetails(facts), ['Reactivated on', longDate(str(facts, 'reactivated_at'))]],
    action: portal(facts, ctx, 'Review your billing'),
  }),
  canceled: (facts, ctx) => ({
    subject: `${ctx.tenantName}: your AtlasAI subscription is canceled`,
    paragraphs: [
      `The AtlasAI subscription of ${ctx.tenantName} is canceled and access to the platform is blocked.`,
      'Your data is not deleted. To subscribe again, choose a plan in the Customer Portal.',
    ],
    details: [...subscriptionDetails(facts), ['Canceled on', longDate(str(facts, 'canceled_at'))]],
    action: portal(facts, ctx, 'Subscribe again'),
  }),
  license_issued: (facts, ctx) => {
    const expires = str(facts, 'expires_at');
    return {
      subject: `Your AtlasAI license for ${ctx.tenantName}${expires ? ` (valid until ${longDate(expires)})` : ''}`,
      paragraphs: [
        `A new AtlasAI license has been issued for ${ctx.tenantName}. Two files are attached: license.jwt (the license) and license-public-key.pem (the public key that verifies it).`,
        'Set ATLASAI_LICENSE_KEY to the contents of license.jwt and CP_LICENSE_PUBLIC_KEY to the public key, or paste the license in Settings → License of your tenant plane (no restart needed).',
        str(facts, 'deployment_mode') === 'byoc'
          ? 'This is a BYOC license: your tenant plane renews it by phoning home every 24 hours while your subscription is active.'
          : `This is an on-prem license: ask ${ctx.supportEmail} for a renewal before it expires (you will get reminders 30 and 7 days before).`,
        'Keep license.jwt private: anyone holding it can run a tenant plane under your license.',
      ],
      details: [...licenseDetails(facts), ['Issued on', longDate(str(facts, 'issued_at'))], ['Expires on', dateWithDays(facts, 'expires_at', ctx.now)]],
      action: { label: 'Contact support about this license', url: mailto(ctx.supportEmail, `License for tenant ${ctx.tenantId ?? ''}`) },
    };
  },
  license_expiring: (facts, ctx) => {
    const expires = str(facts, 'expires_at') ?? ctx.now.toISOString();
    const left = days(daysUntil(expires, ctx.now));
    const byoc = str(facts, 'deployment_mode') === 'byoc';
    return {
      subject: `${ctx.tenantName}: your AtlasAI license expires in ${left} (${longDate(expires)})`,
      paragraphs: [
        `The AtlasAI license of ${ctx.tenantName} expires on ${longDate(expires)}, in ${left}.` +
          ` After that, the tenant plane enters a ${str(facts, 'grace_period_days') ?? '30'}-day grace period in which writes are blocked, then read-only mode, then it locks. No data is deleted.`,
        byoc
          ? `This BYOC license renews itself only when the tenant plane phones home, and it has not done so successfully${str(facts, 'last_phone_home_at') ? ` since ${longDate(str(facts, 'last_phone_home_at'))}` : ''}. Check that the tenant plane reaches the control plane, or ask support for a renewal.`
          : `On-prem licenses do not renew themselves: request a renewal in the customer portal (or reply to ${ctx.supportEmail} with your tenant id, ${ctx.tenantId ?? ''}), then upload the new license in Settings → License.`,
      ],
      details: [
        ...licenseDetails(facts),
        ['Expires on', `${longDate(expires)} (${left} from now)`],
        ['Last successful phone-home', longDate(str(facts, 'last_phone_home_at'))],
      ],
      action: byoc
        ? { label: 'Contact support', url: mailto(ctx.supportEmail, `License renewal for tenant ${ctx.tenantId ?? ''}`) }
        : { label: 'Request a renewal', url: renewalRequestUrl(ctx.portalUrl, str(facts, 'license_id')) },
    };
  },
  renewal_refused: (facts, ctx) => {
    const inactive = str(facts, 'code') === 'SUBSCRIPTION_INACTIVE';
    return {
      subject: `${ctx.tenantName}: your AtlasAI license was not renewed${str(facts, 'code') ? ` (${str(facts, 'code')})` : ''}`,
      paragraphs: [
        `Your tenant plane phoned home, and the control plane refused to renew its license${str(facts, 'message') ? `: ${str(facts, 'message')}` : '.'}`,
        `The current license keeps working until it expires${str(facts, 'expires_at') ? ` on ${longDate(str(facts, 'expires_at'))}` : ''}; nothing changes on your side until then.`,
        inactive
          ? 'Renewal resumes once the subscription is paid: update your payment method in the Customer Portal.'
          : `Contact ${ctx.supportEmail} with your tenant id so we can sort it out.`,
      ],
      details: [
        ...licenseDetails(facts),
        ['Refusal code', str(facts, 'code')],
        ['Subscription status', str(facts, 'subscription_status')],
        ['Refused at', longDate(str(facts, 'refused_at'))],
      ],
      action: inactive
        ? portal(facts, ctx, 'Update your payment method')
        : { label: 'Contact support', url: mailto(ctx.supportEmail, `Renewal refused for tenant ${ctx.tenantId ?? ''}`) },
    };
  },
  phone_home_silent: (facts, ctx) => ({
    subject: `[support] BYOC tenant ${ctx.tenantId ?? ctx.tenantName} has not phoned home for ${str(facts, 'silent_hours') ?? 'over 72'} hours`,
    paragraphs: [
      `The BYOC tenant plane of ${ctx.tenantName} (${ctx.tenantId ?? ''}) has had no successful phone-home ${str(facts, 'last_phone_home_at') ? `since ${str(facts, 'last_phone_home_at')}` : 'since its license was issued'}.`,
      'Its license does not renew while it is silent. Check with the customer whether the tenant plane is running and can reach the control plane.',
    ],
    details: [
      ...licenseDetails(facts),
      ['Last successful phone-home', str(facts, 'last_phone_home_at') ?? 'never'],
      ['License expires on', dateWithDays(facts, 'expires_at', ctx.now)],
    ],
    action: { label: 'Email the customer', url: mailto(str(facts, 'contact_email') ?? '', 'Your AtlasAI tenant plane stopped phoning home') },
  }),
  clone_suspected: (facts, ctx) => ({
    subject: `[support] Possible license clone for tenant ${ctx.tenantId ?? ctx.tenantName}`,
    paragraphs: [
      `A phone-home for ${ctx.tenantName} (${ctx.tenantId ?? ''}) looks like a copied license${str(facts, 'reason') ? `: ${str(facts, 'reason')}` : ''}. The renewal was refused.`,
      'Review the lineage and the phone-home history; revoke the license if the copy is not legitimate.',
    ],
    details: licenseDetails(facts),
    action: { label: 'Review the phone-home history', url: mailto(ctx.supportEmail, `Clone alert for tenant ${ctx.tenantId ?? ''}`) },
  }),
  login_link: loginLink,
  license_requested: (facts, ctx) => ({
    subject: `[support] ${ctx.tenantName} requests a ${str(facts, 'kind') ?? 'new'} license${str(facts, 'environment') ? ` (${str(facts, 'environment')})` : ''}`,
    paragraphs: [
      `${ctx.tenantName} (${ctx.tenantId ?? ''}) asked for a license. Review the terms in the console, then approve (the license is issued and emailed to the customer) or decline with a reason the customer will read.`,
      facts.needs_plan_change === true
        ? 'The request goes beyond the current subscription: the plan has to change before it can be approved as asked.'
        : 'The request fits the current subscription.',
    ],
    details: [
      ['Request', str(facts, 'request_id')],
      ['Kind', str(facts, 'kind')],
      ['Deployment', MODE[str(facts, 'deployment_mode') ?? ''] ?? str(facts, 'deployment_mode')],
      ['Environment', str(facts, 'environment')],
      ['Plan', str(facts, 'plan_name') ?? str(facts, 'plan_id')],
      ['Add-ons', str(facts, 'addons')],
      ['Machine locking code', str(facts, 'fingerprint')],
      ['Replaces license', str(facts, 'replaces_license_id')],
      ['Note from the customer', str(facts, 'note')],
      ['Requested by', str(facts, 'requested_by')],
    ],
    action: { label: 'Review the request', url: str(facts, 'console_url') ?? ctx.portalUrl },
  }),
  license_request_declined: (facts, ctx) => ({
    subject: `${ctx.tenantName}: your license request was declined`,
    paragraphs: [
      `AtlasAI support declined the ${str(facts, 'kind') ?? ''} license request of ${ctx.tenantName}.`,
      `The reason: ${str(facts, 'reason') ?? 'not given'}`,
      `You can send a new request from the customer portal, or reply to ${ctx.supportEmail} to talk it through.`,
    ],
    details: [
      ['Request', str(facts, 'request_id')],
      ['Plan', str(facts, 'plan_name') ?? str(facts, 'plan_id')],
    ],
    action: portal(facts, ctx, 'Open the customer portal'),
  }),
  api_token_expiring: (facts, ctx) => {
    const expires = str(facts, 'expires_at') ?? ctx.now.toISOString();
    const left = days(daysUntil(expires, ctx.now));
    return {
      subject: `Your AtlasAI API token "${str(facts, 'token_name') ?? ''}" expires in ${left} (${longDate(expires)})`,
      paragraphs: [
        `The staff API token "${str(facts, 'token_name') ?? ''}" (${str(facts, 'token_prefix') ?? ''}…, role ${str(facts, 'role') ?? ''}) that you created expires on ${longDateTime(expires)}, in ${left}. After that, every call made with it is refused with 401 TOKEN_EXPIRED.`,
        `To keep it working, an admin rotates it (licensectl tokens rotate ${str(facts, 'token_id') ?? ''}, or POST /api/v1/tokens/${str(facts, 'token_id') ?? ''}/rotate): the new secret starts a new lifetime, and the old one keeps working for a minute while you switch. If nothing uses it any more, let it expire.`,
      ],
      details: [
        ['Token id', str(facts, 'token_id')],
        ['Last used', str(facts, 'last_used_at') ? longDateTime(str(facts, 'last_used_at')!) : 'never'],
        ['Expires', longDateTime(expires)],
      ],
      action: { label: 'Ask an admin to rotate it', url: mailto(ctx.supportEmail, `Rotate API token ${str(facts, 'token_id') ?? ''}`) },
    };
  },
  limit_warning: (facts, ctx) => usageLimit(facts, ctx, false),
  limit_reached: (facts, ctx) => usageLimit(facts, ctx, true),
};

const SUPPORT_STAGES = new Set<NotificationStage>(['phone_home_silent', 'clone_suspected', 'license_requested']);

const LIMIT_LABELS: Record<string, string> = { users: 'users', data_volume_gb: 'GB of data', ai_credits: 'AI credits' };

/** 80% and 100% of a plan limit: what is used, what the plan allows, and where to upgrade. */
function usageLimit(facts: Facts, ctx: TemplateContext, reached: boolean): Letter {
  const name = str(facts, 'limit_name') ?? 'usage';
  const label = LIMIT_LABELS[name] ?? name.replace(/_/g, ' ');
  const plan = str(facts, 'plan_name');
  return {
    subject: `${ctx.tenantName}: ${reached ? 'you have reached' : 'you are close to'} your ${label} limit${plan ? ` on the ${plan} plan` : ''}`,
    paragraphs: [
      `Your tenant plane reports ${str(facts, 'current') ?? '?'} ${label} of the ${str(facts, 'limit') ?? '?'} your plan includes (${str(facts, 'percent') ?? '?'}%).`,
      reached
        ? `New ${label} beyond the limit are refused until the plan is upgraded. Everything already there keeps working.`
        : `At 100% new ${label} are refused. Upgrade the plan before then to avoid interruptions.`,
      'We send this once a month per limit.',
    ],
    details: [
      ['Plan', plan],
      ['Limit', `${str(facts, 'limit') ?? '?'} ${label}`],
      ['In use', str(facts, 'current')],
      ['Month', str(facts, 'period')],
    ],
    action: portal(facts, ctx, 'Upgrade your plan'),
  };
}

/**
 * A login link is the whole point of its email: without it (the secret already removed) or once
 * expired, the email must not go out at all, so rendering refuses and delivery records the failure.
 */
function loginLink(facts: Facts, ctx: TemplateContext): Letter {
  const expires = str(facts, 'expires_at');
  if (!ctx.loginUrl) throw new UndeliverableNotification('login_link email without its link (already sent or removed): not sending it');
  if (!expires || new Date(expires).getTime() <= ctx.now.getTime())
    throw new UndeliverableNotification('login_link email whose link has expired: not sending it');
  const minutes = Math.ceil((new Date(expires).getTime() - ctx.now.getTime()) / 60_000);
  return {
    subject: `Your AtlasAI billing login link for ${ctx.tenantName}`,
    paragraphs: [
      str(facts, 'requested_by') === 'customer'
        ? `Someone asked for a login link to the billing of ${ctx.tenantName} with this address. If it was you, open the link below.`
        : `AtlasAI support sent you a login link to the billing of ${ctx.tenantName}.`,
      `The link opens your billing page, where you can choose a plan, update your payment method or pay an outstanding invoice. It works once and expires on ${longDateTime(expires)}, in ${minutes === 1 ? '1 minute' : `${minutes} minutes`}.`,
      `Do not forward this email: until it is used or expires, the link gives access to the billing of ${ctx.tenantName}. If you did not ask for it, ignore it; nothing happens unless the link is opened.`,
    ],
    details: [...subscriptionDetails(facts), ['Link expires', longDateTime(expires)]],
    action: { label: 'Open your billing', url: ctx.loginUrl },
  };
}

/** Every fact some letter renders by name; any other fact is listed under the details rather than dropped. */
const NAMED_FACTS = new Set([
  'tenant_name',
  'tenant_id',
  'plan_name',
  'plan_id',
  'billing_interval',
  'license_id',
  'deployment_mode',
  'portal_url',
  'contact_email',
  'message',
  'code',
  'reason',
  'failed_at',
  'grace_ends_at',
  'suspended_at',
  'reactivated_at',
  'canceled_at',
  'issued_at',
  'expires_at',
  'last_phone_home_at',
  'refused_at',
  'silent_hours',
  'subscription_status',
  'grace_period_days',
  'login_link_id',
  'requested_by',
  'request_id',
  'kind',
  'environment',
  'addons',
  'needs_plan_change',
  'fingerprint',
  'replaces_license_id',
  'note',
  'console_url',
  'token_id',
  'token_name',
  'token_prefix',
  'role',
  'last_used_at',
  'limit_name',
  'limit',
  'current',
  'percent',
  'period',
]);

function humanize(key: string): string {
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Recorders may add facts no letter names (a new field, an amount): shown, not dropped. */
function otherDetails(facts: Facts): Letter['details'] {
  return Object.keys(facts)
    .filter((key) => !NAMED_FACTS.has(key))
    .map((key) => {
      const value = str(facts, key);
      return [humanize(key), value && ISO_DATE.test(value) ? longDate(value) : value];
    });
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

/** Renders one stage as text and HTML from the same letter, so the two never say different things. */
export function renderNotification(stage: NotificationStage, facts: Facts, ctx: TemplateContext): MailContent {
  const letter = LETTERS[stage](facts, ctx);
  const details = [...letter.details, ...otherDetails(facts)].filter((row): row is [string, string] => row[1] !== undefined);
  const greeting = SUPPORT_STAGES.has(stage) ? 'Hello support,' : stage === 'api_token_expiring' ? 'Hello,' : `Hello ${ctx.tenantName},`;
  const text = [
    greeting,
    '',
    ...letter.paragraphs.flatMap((paragraph) => [paragraph, '']),
    ...details.map(([label, value]) => `${label}: ${value}`),
    '',
    `${letter.action.label}: ${letter.action.url}`,
    '',
    '-- AtlasAI License Authority',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:640px">',
    `<p>${escapeHtml(greeting)}</p>`,
    ...letter.paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    details.length
      ? `<table style="border-collapse:collapse">${details.map(([label, value]) => `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`
      : '',
    `<p><a href="${escapeHtml(letter.action.url)}" style="display:inline-block;padding:8px 16px;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(letter.action.label)}</a></p>`,
    `<p style="color:#52606d;font-size:12px">AtlasAI License Authority</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: letter.subject, text, html };
}
