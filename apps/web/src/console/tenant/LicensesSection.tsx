import { useState, type FormEvent } from 'react';
import { unwrap } from '../../shared/api';
import { saveFile } from '../../shared/download';
import { formatDate, label, relativeDays } from '../../shared/format';
import { LoadMore, useCursorList } from '../../shared/paging';
import { ACTIONS, Badge, Banner, Card, DataTable, Empty, ErrorNotice, Loading, useLoad } from '../../shared/ui';
import { can, useStaff, type License } from '../staff';

export function LicensesSection({ tenantId }: { tenantId: string }) {
  const { api, role } = useStaff();
  const licenses = useCursorList(
    (cursor) => api.GET('/api/v1/licenses', { params: { query: { tenant_id: tenantId, limit: 50, cursor } } }).then(unwrap),
    [api, tenantId],
  );
  const [issuing, setIssuing] = useState(false);
  // The license a replacement is being issued for (the form opens prefilled from it).
  const [replacing, setReplacing] = useState<License | null>(null);
  const [issued, setIssued] = useState<{ id: string; replaced?: string } | null>(null);
  const [error, setError] = useState<unknown>();

  const download = async (license: License) => {
    setError(undefined);
    try {
      const file = unwrap(await api.GET('/api/v1/licenses/{id}/download', { params: { path: { id: license.id } } }));
      saveFile(`license-${file.license_id}.jwt`, `${file.token}\n`, 'application/jwt');
    } catch (caught) {
      setError(caught);
    }
  };

  const revoke = async (license: License) => {
    const reason = window.prompt(`Revoke license ${license.id.slice(0, 8)}: why?`);
    if (!reason) return;
    setError(undefined);
    try {
      unwrap(await api.POST('/api/v1/licenses/{id}/revoke', { params: { path: { id: license.id } }, body: { reason } }));
      licenses.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <Card
      title="Licenses"
      id="licenses-heading"
      actions={
        can(role, 'support') && (
          <button
            onClick={() => {
              setReplacing(null);
              setIssuing((value) => !value);
            }}
            aria-expanded={issuing}
          >
            Issue license
          </button>
        )
      }
    >
      {(issuing || replacing) && (
        <IssueLicenseForm
          key={replacing?.id ?? 'new'}
          tenantId={tenantId}
          replacing={replacing}
          onIssued={(id) => {
            setIssued({ id, replaced: replacing?.id });
            setIssuing(false);
            setReplacing(null);
            licenses.reload();
          }}
        />
      )}
      {issued && (
        <Banner
          tone="good"
          title={issued.replaced ? `License ${issued.id.slice(0, 8)} replaces ${issued.replaced.slice(0, 8)}` : `License ${issued.id.slice(0, 8)} issued`}
        >
          It was emailed to the tenant's contact address; download it below.{issued.replaced && ' The old license is superseded.'}
        </Banner>
      )}
      <ErrorNotice error={error ?? licenses.error} />
      {!licenses.page ? (
        !licenses.error && <Loading />
      ) : licenses.page.items.length === 0 ? (
        <Empty>No licenses.</Empty>
      ) : (
        <DataTable
          rows={licenses.page.items}
          rowKey={(license) => license.id}
          columns={[
            {
              header: 'License',
              cell: (license) => (
                <>
                  <code title={license.id}>{license.id.slice(0, 8)}</code>
                  {license.revoked_reason && <div className="muted">{license.revoked_reason}</div>}
                </>
              ),
            },
            { header: 'Plan', cell: (license) => license.plan_id },
            { header: 'Mode', cell: (license) => label(license.deployment_mode) },
            { header: 'Status', cell: (license) => <Badge value={license.status} /> },
            { header: 'Phase', cell: (license) => <Badge value={license.phase.status} /> },
            {
              header: 'Expires',
              cell: (license) => (
                <>
                  {formatDate(license.expires_at)} <span className="muted">{relativeDays(license.expires_at)}</span>
                </>
              ),
            },
            { header: 'Issued by', className: 'muted', cell: (license) => license.issued_by },
            {
              header: ACTIONS,
              cell: (license) =>
                license.status !== 'revoked' &&
                can(role, 'support') && (
                  <div className="row">
                    <button className="small secondary" onClick={() => void download(license)} aria-label={`Download license ${license.id.slice(0, 8)}`}>
                      Download
                    </button>
                    {license.status === 'active' && (
                      <button
                        className="small secondary"
                        onClick={() => {
                          setIssuing(false);
                          setReplacing(license);
                        }}
                        aria-label={`Replace license ${license.id.slice(0, 8)}`}
                      >
                        Replace
                      </button>
                    )}
                    <button className="small danger" onClick={() => void revoke(license)} aria-label={`Revoke license ${license.id.slice(0, 8)}`}>
                      Revoke
                    </button>
                  </div>
                ),
            },
          ]}
        />
      )}
      <LoadMore list={licenses} />
    </Card>
  );
}

function optionalNumber(value: string): number | undefined {
  return value.trim() === '' ? undefined : Number(value);
}

/** Issues a license; with `replacing`, a replacement of it (prefilled from its claims, `replaces` set). */
function IssueLicenseForm({ tenantId, replacing, onIssued }: { tenantId: string; replacing: License | null; onIssued: (licenseId: string) => void }) {
  const { api } = useStaff();
  const plans = useLoad(() => api.GET('/api/v1/plans').then(unwrap), [api]);
  const [form, setForm] = useState({
    plan_id: '',
    deployment_mode: replacing?.deployment_mode ?? '',
    addons: '',
    validity_days: '',
    fingerprint: replacing?.claims.fingerprint ?? '',
    max_active_uses: replacing?.claims.max_active_uses?.toString() ?? '',
  });
  const [error, setError] = useState<unknown>();
  const set = (field: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [field]: event.target.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const addons = form.addons
        .split(',')
        .map((addon) => addon.trim())
        .filter(Boolean);
      const issued = unwrap(
        await api.POST('/api/v1/licenses', {
          body: {
            tenant_id: tenantId,
            plan_id: form.plan_id || undefined,
            deployment_mode: (form.deployment_mode || undefined) as 'on_prem' | 'byoc' | undefined,
            addons: addons.length > 0 ? addons : undefined,
            validity_days: optionalNumber(form.validity_days),
            fingerprint: form.fingerprint.trim() || undefined,
            max_active_uses: optionalNumber(form.max_active_uses),
            replaces: replacing?.id,
          },
        }),
      );
      onIssued(issued.license.id);
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <form className="form card-body" onSubmit={submit} aria-label={replacing ? `Replace license ${replacing.id.slice(0, 8)}` : 'Issue a license'}>
      {replacing && (
        <p className="muted">
          Replacing license <code>{replacing.id.slice(0, 8)}</code> ({replacing.claims.plan_name},{' '}
          {replacing.claims.addons.length > 0 ? replacing.claims.addons.join(', ') : 'no add-ons'}): the new license continues its installation, which renews to
          it at its next phone-home; the old one is superseded. Its environment and machine count carry over; an empty plan or add-ons field follows the
          subscription.
        </p>
      )}
      <div className="form-grid">
        <label>
          Plan
          <select name="plan_id" value={form.plan_id} onChange={set('plan_id')}>
            <option value="">The subscription's plan</option>
            {plans.data?.items.map((plan) => (
              <option key={plan.id} value={plan.id}>
                {plan.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Deployment mode
          <select name="deployment_mode" value={form.deployment_mode} onChange={set('deployment_mode')}>
            <option value="">The tenant's mode</option>
            <option value="byoc">BYOC</option>
            <option value="on_prem">On-prem</option>
          </select>
        </label>
        <label>
          Add-ons <span className="hint">comma-separated; empty: the subscription's</span>
          <input name="addons" value={form.addons} onChange={set('addons')} />
        </label>
        <label>
          Valid for (days) <span className="hint">default 365</span>
          <input name="validity_days" type="number" min={1} max={3650} value={form.validity_days} onChange={set('validity_days')} />
        </label>
        <label>
          Machine fingerprint <span className="hint">optional</span>
          <input name="fingerprint" value={form.fingerprint} onChange={set('fingerprint')} />
        </label>
        <label>
          Max active uses <span className="hint">optional</span>
          <input name="max_active_uses" type="number" min={1} value={form.max_active_uses} onChange={set('max_active_uses')} />
        </label>
      </div>
      <ErrorNotice error={error} />
      <div className="row">
        <button type="submit">{replacing ? 'Replace and email' : 'Issue and email'}</button>
      </div>
    </form>
  );
}
