import type { ReactNode } from 'react';
import type { Schemas } from './api';
import { label } from './format';

export type LicenseRequest = Schemas['LicenseRequest'];
export type LicenseRequestKind = LicenseRequest['kind'];
export type LicenseRequestStatus = LicenseRequest['status'];

export const REQUEST_KINDS: { value: LicenseRequestKind; label: string }[] = [
  { value: 'new', label: 'New installation' },
  { value: 'renewal', label: 'Renewal' },
  { value: 'upgrade', label: 'Upgrade' },
  { value: 'replacement', label: 'Replacement' },
];

export const REQUEST_STATUSES: LicenseRequestStatus[] = ['open', 'approved', 'declined', 'canceled'];

export function kindLabel(kind: string): string {
  return REQUEST_KINDS.find((entry) => entry.value === kind)?.label ?? label(kind);
}

export function modeLabel(mode: string): string {
  return mode === 'on_prem' ? 'On-prem' : mode === 'byoc' ? 'BYOC' : label(mode);
}

/** What `licensectl fingerprint` prints: SHA-256 in hex. The API checks the same shape. */
export function LockingCodeHint() {
  return (
    <>
      The 64 hexadecimal characters that <code>licensectl fingerprint</code> prints on the machine.
    </>
  );
}

export function lockingCodeProblem(value: string): string | null {
  const code = value.trim().toLowerCase();
  if (code === '' || /^[0-9a-f]{64}$/.test(code)) return null;
  return `A locking code is 64 hexadecimal characters (0-9, a-f); this one has ${code.length} character${code.length === 1 ? '' : 's'}${/[^0-9a-f]/.test(code) ? ', some not hexadecimal' : ''}.`;
}

/** Who asked or decided, for people: audit actors are `token:<name>` (staff) or `login_link:<id>` (the customer). */
export function actorLabel(actor: string | null): string {
  if (!actor) return '—';
  if (actor.startsWith('login_link:')) return 'the customer (portal)';
  return actor.replace(/^(token|oidc):/, '');
}

/** "On-prem · prod · operations + automation_pro" */
export function RequestTerms({ request }: { request: LicenseRequest }) {
  return (
    <>
      {modeLabel(request.deployment_mode)}
      {request.environment && <> · {request.environment}</>} · {request.plan_id}
      {request.addons.length > 0 && <span className="muted"> + {request.addons.join(', ')}</span>}
    </>
  );
}

/** A locking code is long: the first 12 characters, the whole code on hover and for screen readers. */
export function LockingCode({ code }: { code: string | null }) {
  if (!code) return <span className="muted">none</span>;
  return <code title={code}>{code.slice(0, 12)}…</code>;
}

/** The kind, terms and locking code cells of a request's row, in the console's queue and the portal's list alike. */
export function RequestCells({ request, kindNote }: { request: LicenseRequest; kindNote?: ReactNode }) {
  return (
    <>
      <td>
        {kindLabel(request.kind)}
        {kindNote && <div>{kindNote}</div>}
      </td>
      <td>
        <RequestTerms request={request} />
      </td>
      <td>
        <LockingCode code={request.fingerprint} />
      </td>
    </>
  );
}
