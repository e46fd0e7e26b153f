import { useState, type FormEvent } from 'react';
import { unwrap, type ApiClient, type Schemas } from '../shared/api';
import { formatDate } from '../shared/format';
import { LockingCodeHint, lockingCodeProblem, modeLabel, REQUEST_KINDS, type LicenseRequest, type LicenseRequestKind } from '../shared/license-requests';
import { ErrorNotice, useLoad } from '../shared/ui';

type License = Schemas['License'];

/** The API's renewal window (seed 004: "request a renewal when less than 30 days remain"); the API has the last word. */
const RENEWAL_WINDOW_DAYS = 30;

export interface RequestPrefill {
  kind: LicenseRequestKind;
  licenseId: string;
}

const KIND_HELP: Record<LicenseRequestKind, string> = {
  new: 'A license for another installation (for example a staging or a second production cluster).',
  renewal: 'A new term for an on-prem license; renewals open 30 days before it expires. BYOC installations renew themselves.',
  upgrade: 'Another plan or more add-ons; support changes your subscription first if needed.',
  replacement: 'A new license in place of one you hold: a new machine, a lost file, or an installation that cannot phone home.',
};

/** Which of the tenant's licenses a renewal or replacement may name: the current one of each installation. */
function replaceable(licenses: License[], kind: LicenseRequestKind): License[] {
  return licenses.filter((license) => license.status === 'active' && (kind !== 'renewal' || license.deployment_mode === 'on_prem'));
}

export function RequestLicenseForm({
  api,
  tenantId,
  licenses,
  currentPlan,
  prefill,
  onSent,
  onClose,
}: {
  api: ApiClient;
  tenantId: string;
  licenses: License[];
  currentPlan: { id: string; addons: string[] } | null;
  prefill: RequestPrefill | null;
  onSent: (request: LicenseRequest) => void;
  onClose: () => void;
}) {
  const [kind, setKind] = useState<LicenseRequestKind>(prefill?.kind ?? 'new');
  const [form, setForm] = useState({
    deployment_mode: '',
    environment: '',
    fingerprint: '',
    plan_id: '',
    replaces_license_id: prefill?.licenseId ?? '',
    note: '',
  });
  const [addons, setAddons] = useState<string[]>([]);
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const plans = useLoad(() => (kind === 'upgrade' ? api.GET('/api/v1/portal/plans').then(unwrap) : Promise.resolve(undefined)), [api, kind]);
  const set = (field: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [field]: event.target.value });

  const takesOver = kind === 'renewal' || kind === 'replacement';
  const candidates = replaceable(licenses, kind);
  const fingerprintProblem = lockingCodeProblem(form.fingerprint);
  const renewing = kind === 'renewal' ? licenses.find((license) => license.id === form.replaces_license_id) : undefined;
  const opensAt = renewing ? new Date(renewing.expires_at).getTime() - RENEWAL_WINDOW_DAYS * 86_400_000 : 0;
  const renewableFrom = opensAt > Date.now() ? new Date(opensAt).toISOString() : null;
  const planId = form.plan_id || currentPlan?.id || '';
  const offered = plans.data?.items.find((plan) => plan.id === planId)?.available_addons ?? [];
  const included = (addon: string) => currentPlan?.id === planId && currentPlan.addons.includes(addon);
  const chosenAddons = offered.filter((addon) => included(addon) || addons.includes(addon));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (fingerprintProblem) return;
    setBusy(true);
    setError(undefined);
    try {
      const sent = unwrap(
        await api.POST('/api/v1/license-requests', {
          body: {
            tenant_id: tenantId,
            kind,
            deployment_mode: (form.deployment_mode || undefined) as 'on_prem' | 'byoc' | undefined,
            environment: form.environment.trim() || undefined,
            fingerprint: form.fingerprint.trim().toLowerCase() || undefined,
            plan_id: kind === 'upgrade' ? planId || undefined : undefined,
            addons: kind === 'upgrade' && offered.length > 0 ? chosenAddons : undefined,
            replaces_license_id: takesOver ? form.replaces_license_id || undefined : undefined,
            note: form.note.trim() || undefined,
          },
        }),
      );
      onSent(sent);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form request-form" onSubmit={submit} aria-label="Request a license" noValidate>
      <fieldset className="choice">
        <legend>What do you need?</legend>
        <div className="choice-grid">
          {REQUEST_KINDS.map((option) => (
            <label key={option.value} className={option.value === kind ? 'choice-item selected' : 'choice-item'}>
              <input type="radio" name="kind" value={option.value} checked={option.value === kind} onChange={() => setKind(option.value)} />
              <span>
                {option.label}
                <span className="hint">{KIND_HELP[option.value]}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="form-grid">
        {takesOver && (
          <label>
            License {kind === 'renewal' ? 'to renew' : 'to replace'}
            <select name="replaces_license_id" value={form.replaces_license_id} onChange={set('replaces_license_id')} required>
              <option value="">Choose a license…</option>
              {form.replaces_license_id && !candidates.some((license) => license.id === form.replaces_license_id) && (
                <option value={form.replaces_license_id}>{form.replaces_license_id.slice(0, 8)} (from your email)</option>
              )}
              {candidates.map((license) => (
                <option key={license.id} value={license.id}>
                  {license.id.slice(0, 8)} · {modeLabel(license.deployment_mode)} · expires {formatDate(license.expires_at)}
                </option>
              ))}
            </select>
            {renewableFrom && <span className="hint">Renewals for this license open on {formatDate(renewableFrom)}, 30 days before it expires.</span>}
          </label>
        )}
        <label>
          Deployment mode
          <select name="deployment_mode" value={form.deployment_mode} onChange={set('deployment_mode')}>
            <option value="">{takesOver ? 'Same as the license' : 'Your account’s default'}</option>
            <option value="on_prem">On-prem (air-gapped)</option>
            <option value="byoc">BYOC (phones home)</option>
          </select>
        </label>
        <label>
          <span>
            <span>
              Environment <span className="hint">names the installation, e.g. prod</span>
            </span>
          </span>
          <input name="environment" value={form.environment} onChange={set('environment')} placeholder="prod" autoComplete="off" />
        </label>
      </div>
      {kind === 'upgrade' && (
        <div className="form-grid">
          <label>
            Plan
            <select name="plan_id" value={planId} onChange={set('plan_id')}>
              {currentPlan && !plans.data?.items.some((plan) => plan.id === currentPlan.id) && (
                <option value={currentPlan.id}>{currentPlan.id} (current)</option>
              )}
              {plans.data?.items.map((plan) => (
                <option key={plan.id} value={plan.id}>
                  {plan.name}
                  {plan.id === currentPlan?.id ? ' (current)' : ''}
                </option>
              ))}
            </select>
          </label>
          {offered.length > 0 && (
            <fieldset className="choice">
              <legend>Add-ons</legend>
              <div className="row">
                {offered.map((addon) => (
                  <label key={addon} className="check">
                    <input
                      type="checkbox"
                      name="addons"
                      value={addon}
                      checked={chosenAddons.includes(addon)}
                      disabled={included(addon)}
                      onChange={(event) => setAddons(event.target.checked ? [...addons, addon] : addons.filter((value) => value !== addon))}
                    />
                    {addon}
                    {included(addon) && <span className="hint">(included)</span>}
                  </label>
                ))}
              </div>
            </fieldset>
          )}
        </div>
      )}
      <label>
        <span>
          <span>
            Machine locking code <span className="hint">optional: binds the license to one machine</span>
          </span>
        </span>
        <input
          name="fingerprint"
          className="mono"
          value={form.fingerprint}
          onChange={set('fingerprint')}
          onBlur={() => setTouched(true)}
          aria-invalid={touched && fingerprintProblem ? true : undefined}
          aria-describedby="fingerprint-hint"
          autoComplete="off"
          spellCheck={false}
        />
        <span id="fingerprint-hint" className={touched && fingerprintProblem ? 'field-error' : 'hint'}>
          {touched && fingerprintProblem ? fingerprintProblem : <LockingCodeHint />}
        </span>
      </label>
      <label>
        <span>
          <span>
            Note for support <span className="hint">optional</span>
          </span>
        </span>
        <textarea name="note" className="text" rows={3} maxLength={2000} value={form.note} onChange={set('note')} placeholder="Where it runs, deadlines…" />
      </label>
      <ErrorNotice error={error ?? plans.error} />
      <div className="row">
        <button type="submit" disabled={busy || (takesOver && !form.replaces_license_id)}>
          Send request
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
