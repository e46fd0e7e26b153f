import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { unwrap } from '../shared/api';
import { formatDateTime, relativeDays } from '../shared/format';
import { actorLabel, kindLabel, modeLabel, type LicenseRequest } from '../shared/license-requests';
import { Badge, Banner, Card, ErrorNotice, Facts, Loading, useLoad } from '../shared/ui';
import { can, useStaff } from './staff';

/** One request: who asked for what, and (support and admins) the decision. */
export function RequestPage() {
  const { api, role } = useStaff();
  const { id = '' } = useParams();
  const request = useLoad(() => api.GET('/api/v1/license-requests/{id}', { params: { path: { id } } }).then(unwrap), [api, id]);
  const [issued, setIssued] = useState<string | null>(null);

  if (request.error) return <ErrorNotice error={request.error} />;
  if (!request.data) return <Loading />;
  const data = request.data;
  return (
    <>
      <p className="muted">
        <Link to="/requests">← License requests</Link>
      </p>
      <div className="page-header">
        <div>
          <h1 className="row">
            <span>
              {kindLabel(data.kind)} for <Link to={`/tenants/${data.tenant_id}`}>{data.tenant_id}</Link>
            </span>
            <Badge value={data.status} />
          </h1>
          <p className="muted">
            Request <code>{data.id}</code> · asked by {actorLabel(data.requested_by)} {relativeDays(data.created_at)}
          </p>
        </div>
      </div>
      <div className="stack">
        {issued && (
          <Banner tone="good" title={`Approved: license ${issued.slice(0, 8)} issued`}>
            <span>
              License <code>{issued}</code> was emailed to the tenant and is on the <Link to={`/tenants/${data.tenant_id}`}>tenant page</Link>; the customer can
              download it from the portal.
            </span>
          </Banner>
        )}
        {data.needs_plan_change && data.status === 'open' && (
          <Banner tone="warn" title="Needs a plan change">
            The plan or add-ons asked for go beyond the tenant’s subscription. Approving is refused (PLAN_CHANGE_REQUIRED) until the subscription covers them,
            unless you pick the plan below explicitly.
          </Banner>
        )}
        <Card title="Request" id="request-heading">
          <Facts
            items={[
              [
                'Tenant',
                <Link key="tenant" to={`/tenants/${data.tenant_id}`}>
                  {data.tenant_id}
                </Link>,
              ],
              ['Kind', kindLabel(data.kind)],
              ['Deployment', modeLabel(data.deployment_mode)],
              ['Environment', data.environment ?? '—'],
              ['Plan', data.plan_id],
              ['Add-ons', data.addons.length > 0 ? data.addons.join(', ') : 'none'],
              [
                'Needs plan change',
                data.needs_plan_change ? (
                  <span key="flag" className="badge badge-warn">
                    yes
                  </span>
                ) : (
                  'no'
                ),
              ],
              ['Replaces', data.replaces_license_id ? <code key="replaces">{data.replaces_license_id}</code> : '—'],
              ['Requested', formatDateTime(data.created_at)],
            ]}
          />
          <dl className="facts wide">
            <div>
              <dt>Machine locking code</dt>
              <dd>{data.fingerprint ? <code className="token-box">{data.fingerprint}</code> : 'none: the license will not be bound to a machine'}</dd>
            </div>
            <div>
              <dt>Customer’s note</dt>
              <dd className="note">{data.note ?? '—'}</dd>
            </div>
          </dl>
        </Card>
        {data.status === 'open' ? (
          can(role, 'support') ? (
            <Decision
              request={data}
              onDecided={(licenseId) => {
                setIssued(licenseId);
                request.reload();
              }}
            />
          ) : (
            <Banner tone="info" title="Waiting for support">
              Your role ({role}) can read requests; support or an admin approves or declines them.
            </Banner>
          )
        ) : (
          <Card title="Decision" id="decision-heading">
            <Facts
              items={[
                ['Status', <Badge key="status" value={data.status} />],
                ['By', actorLabel(data.decided_by)],
                ['When', formatDateTime(data.decided_at)],
                ['License', data.license_id ? <code key="license">{data.license_id}</code> : '—'],
              ]}
            />
            {data.decision_reason && (
              <dl className="facts wide">
                <div>
                  <dt>{data.status === 'declined' ? 'Reason (the customer reads it)' : 'Note'}</dt>
                  <dd className="note">{data.decision_reason}</dd>
                </div>
              </dl>
            )}
          </Card>
        )}
      </div>
    </>
  );
}

function Decision({ request, onDecided }: { request: LicenseRequest; onDecided: (issuedLicenseId: string | null) => void }) {
  const { api } = useStaff();
  const plans = useLoad(() => api.GET('/api/v1/plans').then(unwrap), [api]);
  const [approve, setApprove] = useState({ plan_id: '', validity_days: '', note: '' });
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const path = { params: { path: { id: request.id } } };

  const run = async (action: () => Promise<string | null>) => {
    setBusy(true);
    setError(undefined);
    try {
      onDecided(await action());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const submitApprove = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const body = {
        plan_id: approve.plan_id || undefined,
        validity_days: approve.validity_days.trim() ? Number(approve.validity_days) : undefined,
        note: approve.note.trim() || undefined,
      };
      return unwrap(await api.POST('/api/v1/license-requests/{id}/approve', { ...path, body })).license.id;
    });
  };

  const submitDecline = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      unwrap(await api.POST('/api/v1/license-requests/{id}/decline', { ...path, body: { reason: reason.trim() } }));
      return null;
    });
  };

  return (
    <>
      <ErrorNotice error={error} />
      <div className="decision">
        <Card title="Approve" id="approve-heading">
          <form className="form" onSubmit={submitApprove} aria-label="Approve the request">
            <p className="muted">Issues the license on the request’s terms and emails it to the tenant.</p>
            <div className="form-grid">
              <label>
                Plan
                <select name="plan_id" value={approve.plan_id} onChange={(event) => setApprove({ ...approve, plan_id: event.target.value })}>
                  <option value="">As requested ({request.plan_id})</option>
                  {plans.data?.items.map((plan) => (
                    <option key={plan.id} value={plan.id}>
                      {plan.name} (override)
                    </option>
                  ))}
                </select>
              </label>
              <label>
                <span>
                  <span>
                    Valid for (days) <span className="hint">default 365</span>
                  </span>
                </span>
                <input
                  name="validity_days"
                  type="number"
                  min={1}
                  max={3650}
                  value={approve.validity_days}
                  onChange={(event) => setApprove({ ...approve, validity_days: event.target.value })}
                />
              </label>
            </div>
            <label>
              <span>
                <span>
                  Note <span className="hint">optional, kept with the decision</span>
                </span>
              </span>
              <input name="approve_note" value={approve.note} onChange={(event) => setApprove({ ...approve, note: event.target.value })} />
            </label>
            <div className="row">
              <button type="submit" disabled={busy}>
                Approve and issue
              </button>
            </div>
          </form>
        </Card>
        <Card title="Decline" id="decline-heading">
          <form className="form" onSubmit={submitDecline} aria-label="Decline the request">
            <p className="muted">The customer reads the reason in the portal and in the email.</p>
            <label>
              <span>
                <span>
                  Reason <span className="hint">required</span>
                </span>
              </span>
              <textarea name="reason" className="text" rows={4} value={reason} onChange={(event) => setReason(event.target.value)} required minLength={3} />
            </label>
            <div className="row">
              <button type="submit" className="danger" disabled={busy || reason.trim().length < 3}>
                Decline
              </button>
            </div>
          </form>
        </Card>
      </div>
    </>
  );
}
