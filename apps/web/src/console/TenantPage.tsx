import { useParams } from 'react-router';
import { unwrap } from '../shared/api';
import { formatDate, label } from '../shared/format';
import { ErrorNotice, Facts, Loading, useLoad } from '../shared/ui';
import { useStaff } from './staff';
import { ActiveUsesSection } from './tenant/ActiveUsesSection';
import { AuditSection } from './tenant/AuditSection';
import { LicenseRequestsSection } from './tenant/LicenseRequestsSection';
import { LicensesSection } from './tenant/LicensesSection';
import { NotificationsSection } from './tenant/NotificationsSection';
import { PhoneHomesSection } from './tenant/PhoneHomesSection';
import { SubscriptionSection } from './tenant/SubscriptionSection';

/** One tenant, top to bottom: each section loads on its own, so a new one (license requests) is one more line. */
export function TenantPage() {
  const { api } = useStaff();
  const { id = '' } = useParams();
  const tenant = useLoad(() => api.GET('/api/v1/tenants/{id}', { params: { path: { id } } }).then(unwrap), [api, id]);
  if (tenant.error) return <ErrorNotice error={tenant.error} />;
  if (!tenant.data) return <Loading />;
  return (
    <>
      <div className="page-header">
        <div>
          <h1>{tenant.data.name}</h1>
          <p className="muted">
            <code>{tenant.data.id}</code>
          </p>
        </div>
      </div>
      <div className="stack">
        <Facts
          items={[
            ['Contact', tenant.data.contact_email],
            ['Deployment', label(tenant.data.deployment_mode)],
            ['Created', formatDate(tenant.data.created_at)],
          ]}
        />
        <SubscriptionSection tenantId={id} />
        <LicensesSection tenantId={id} />
        <LicenseRequestsSection tenantId={id} />
        <PhoneHomesSection tenantId={id} />
        <ActiveUsesSection tenantId={id} />
        <NotificationsSection tenantId={id} />
        <AuditSection tenantId={id} />
      </div>
    </>
  );
}
