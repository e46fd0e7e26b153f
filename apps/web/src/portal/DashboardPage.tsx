import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { ActiveUseChart } from '../shared/ActiveUseChart';
import { unwrap, type ApiClient, type Schemas } from '../shared/api';
import { saveFile } from '../shared/download';
import { formatDate, formatDateTime, label, relativeDays } from '../shared/format';
import { Badge, Banner, Card, DataTable, Empty, ErrorNotice, Facts, Loading, useLoad } from '../shared/ui';
import { REQUEST_KINDS } from '../shared/license-requests';
import { ChangePlan } from './ChangePlan';
import { downloadLicense, LicenseRequestsCard } from './LicenseRequests';
import { takeRequestLink, type PortalSession } from './session';

type Account = Awaited<ReturnType<typeof loadAccount>>;

function loadAccount(api: ApiClient) {
  return api.GET('/api/v1/portal/account').then(unwrap);
}

/** Past due: yellow, still readable. Suspended or canceled: red, blocked. */
function AccessBanner({ account }: { account: Account }) {
  const subscription = account.subscription;
  if (!subscription)
    return (
      <Banner tone="info" title="No subscription yet">
        Choose a plan below to start one.
      </Banner>
    );
  if (subscription.status === 'past_due') {
    return (
      <Banner tone="warn" title="Payment failed: your workspace is read-only">
        Update your payment method before {formatDate(subscription.grace_ends_at)} ({subscription.grace_days_left} day
        {subscription.grace_days_left === 1 ? '' : 's'} left) to restore full access; after that, access is suspended.
      </Banner>
    );
  }
  if (subscription.status === 'suspended')
    return (
      <Banner tone="bad" title="Your subscription is suspended">
        All access is blocked until the outstanding invoice is paid. Pay it from the billing portal.
      </Banner>
    );
  if (subscription.status === 'canceled')
    return (
      <Banner tone="bad" title="Your subscription is canceled">
        Choose a plan to subscribe again.
      </Banner>
    );
  return null;
}

export function DashboardPage({ api, session, onSignOut }: { api: ApiClient; session: PortalSession; onSignOut: () => Promise<void> }) {
  const [params, setParams] = useSearchParams();
  const [pendingLink] = useState(takeRequestLink);
  const account = useLoad(() => loadAccount(api), [api]);
  const licenses = useLoad(() => api.GET('/api/v1/portal/licenses').then(unwrap), [api]);
  const uses = useLoad(() => api.GET('/api/v1/portal/active-uses').then(unwrap), [api]);
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const openBillingPortal = async () => {
    setBusy(true);
    setActionError(undefined);
    try {
      const { url } = unwrap(await api.POST('/api/v1/billing/portal-sessions', { body: { tenant_id: session.tenantId } }));
      window.location.assign(url);
    } catch (error) {
      setActionError(error);
      setBusy(false);
    }
  };

  const download = async (license: Schemas['License']) => {
    setActionError(undefined);
    await downloadLicense(api, license.id).catch(setActionError);
  };

  const downloadPublicKey = async () => {
    const response = await fetch('/api/v1/public-key');
    saveFile('license-public-key.pem', await response.text(), 'application/x-pem-file');
  };

  const downloadKeyChain = async () => {
    const response = await fetch('/.well-known/license-key-chain.json');
    saveFile('license-key-chain.json', await response.text(), 'application/json');
  };

  const checkout = params.get('checkout');
  // The license_expiring email links here with ?request=renewal&license_id=…: the request form opens prefilled.
  // Opened while signed out, the link was stashed and comes back here after the sign-in link.
  const link = params.get('request') ? params : pendingLink;
  const requested = REQUEST_KINDS.find((kind) => kind.value === link?.get('request'));
  const prefill = requested ? { kind: requested.value, licenseId: link?.get('license_id') ?? '' } : null;
  return (
    <>
      <header className="topbar">
        <span className="brand">
          AtlasAI <span>Licensing</span>
        </span>
        <div className="row">
          <span className="muted">{account.data ? `${account.data.tenant.name} · ${account.data.tenant.contact_email}` : session.tenantId}</span>
          <button className="secondary small" onClick={() => void onSignOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main>
        <div className="page-header">
          <div>
            <h1>{account.data?.tenant.name ?? session.tenantId}</h1>
            <p className="muted">Your plan, billing and licenses.</p>
          </div>
        </div>
        {checkout === 'success' && (
          <Banner tone="good" title="Thank you: checkout complete">
            Your subscription updates as soon as Stripe confirms the payment.
          </Banner>
        )}
        {checkout === 'canceled' && (
          <Banner tone="info" title="Checkout canceled">
            Nothing was charged.
          </Banner>
        )}
        <ErrorNotice error={account.error ?? actionError} />
        {!account.data ? (
          !account.error && <Loading />
        ) : (
          <div className="stack">
            <AccessBanner account={account.data} />
            <Card
              title="Subscription"
              id="subscription-heading"
              actions={
                <button onClick={() => void openBillingPortal()} disabled={busy}>
                  Update payment method / invoices
                </button>
              }
            >
              <Facts
                items={[
                  ['Plan', account.data.subscription?.plan_name ?? '—'],
                  ['Status', <Badge key="status" value={account.data.subscription?.status} />],
                  ['Access', <Badge key="access" value={account.data.access} />],
                  ['Billing', account.data.subscription ? label(account.data.subscription.billing_interval) : '—'],
                  [
                    'Grace ends',
                    account.data.subscription?.grace_ends_at
                      ? `${formatDate(account.data.subscription.grace_ends_at)} (${account.data.subscription.grace_days_left} days left)`
                      : '—',
                  ],
                ]}
              />
              <ChangePlan api={api} tenantId={session.tenantId} currentPlan={account.data.subscription?.plan_id ?? null} />
            </Card>
            <Card
              title="Licenses"
              id="licenses-heading"
              actions={
                <>
                  <button className="secondary" onClick={() => void downloadPublicKey()}>
                    Download public key
                  </button>
                  <button className="secondary" onClick={() => void downloadKeyChain()}>
                    Download key chain
                  </button>
                </>
              }
            >
              <p className="muted">
                The key chain proves each newer signing key with the one before it: give it to an installation that trusts only an older public key, and it
                accepts licenses signed after a key rotation.
              </p>
              {!licenses.data ? (
                <Loading />
              ) : licenses.data.items.length === 0 ? (
                <Empty>No licenses yet. Request one below: support issues it for your installation.</Empty>
              ) : (
                <DataTable
                  rows={licenses.data.items}
                  rowKey={(license) => license.id}
                  rowId={(license) => `license-${license.id}`}
                  columns={[
                    { header: 'License', cell: (license) => <code title={license.id}>{license.id.slice(0, 8)}</code> },
                    { header: 'Plan', cell: (license) => license.claims.plan_name },
                    { header: 'Mode', cell: (license) => label(license.deployment_mode) },
                    { header: 'Status', cell: (license) => <Badge value={license.status} /> },
                    {
                      header: 'Phase',
                      cell: (license) => (
                        <>
                          <Badge value={license.phase.status} /> <span className="muted">{license.phase.days_remaining} d</span>
                        </>
                      ),
                    },
                    {
                      header: 'Expires',
                      cell: (license) => (
                        <>
                          {formatDate(license.expires_at)} <span className="muted">{relativeDays(license.expires_at)}</span>
                        </>
                      ),
                    },
                    {
                      header: <span className="muted">Download</span>,
                      cell: (license) =>
                        license.status !== 'revoked' && (
                          <button className="small secondary" onClick={() => void download(license)} aria-label={`Download license ${license.id.slice(0, 8)}`}>
                            Download
                          </button>
                        ),
                    },
                  ]}
                />
              )}
            </Card>
            {licenses.data && (
              <LicenseRequestsCard
                api={api}
                tenantId={session.tenantId}
                licenses={licenses.data.items}
                currentPlan={account.data.subscription ? { id: account.data.subscription.plan_id, addons: account.data.subscription.addons } : null}
                prefill={prefill}
                onPrefillUsed={() => prefill && setParams({}, { replace: true })}
              />
            )}
            <Card title="Installations" id="installations-heading">
              {!licenses.data ? (
                <Loading />
              ) : licenses.data.installations.length === 0 ? (
                <Empty>No installation has phoned home yet. BYOC tenant planes check in every 24 hours.</Empty>
              ) : (
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Installation</th>
                      <th scope="col">License</th>
                      <th scope="col">Phase</th>
                      <th scope="col">Expires</th>
                      <th scope="col">Last phone-home</th>
                      <th scope="col">TP version</th>
                    </tr>
                  </thead>
                  <tbody>
                    {licenses.data.installations.map((installation) => (
                      <tr key={installation.lineage_id}>
                        <td>
                          <code title={installation.lineage_id}>{installation.lineage_id.slice(0, 8)}</code>
                        </td>
                        <td>
                          <Badge value={installation.license_status} />
                        </td>
                        <td>
                          <Badge value={installation.phase?.status} />
                        </td>
                        <td>{formatDate(installation.expires_at)}</td>
                        <td>
                          {formatDateTime(installation.last_phone_home_at)} <Badge value={installation.last_result} />
                        </td>
                        <td>{installation.tp_version}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            <Card title="Daily active uses" id="uses-heading">
              {uses.data ? <ActiveUseChart points={uses.data.items} caption={`Highest report per day, last ${uses.data.days} days`} /> : <Loading />}
            </Card>
          </div>
        )}
      </main>
    </>
  );
}
