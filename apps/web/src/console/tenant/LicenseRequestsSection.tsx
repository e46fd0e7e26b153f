import { Link } from 'react-router';
import { LoadMore } from '../../shared/paging';
import { Card, Empty, ErrorNotice, Loading } from '../../shared/ui';
import { RequestsTable, useRequestQueue } from '../RequestsPage';

/** The tenant's license requests, every status, oldest first; each opens its page in the queue. */
export function LicenseRequestsSection({ tenantId }: { tenantId: string }) {
  const requests = useRequestQueue({ tenant_id: tenantId }, 50);
  const open = requests.page?.counts.open ?? 0;
  return (
    <Card title="License requests" id="license-requests-heading" actions={open > 0 && <span className="badge badge-info">{open} open</span>}>
      <ErrorNotice error={requests.error} />
      {!requests.page ? (
        !requests.error && <Loading />
      ) : requests.page.items.length === 0 ? (
        <Empty>No license requests.</Empty>
      ) : (
        <>
          <RequestsTable items={requests.page.items} showTenant={false} />
          <LoadMore list={requests} />
        </>
      )}
      <p className="muted">
        <Link to="/requests">All license requests</Link>
      </p>
    </Card>
  );
}
