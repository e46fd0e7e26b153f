import { ApiError, unwrap } from '../../shared/api';
import { formatDate, formatDateTime, label, relativeDays } from '../../shared/format';
import { Badge, Card, Empty, ErrorNotice, Facts, Loading, useLoad } from '../../shared/ui';
import { useStaff } from '../staff';

export function SubscriptionSection({ tenantId }: { tenantId: string }) {
  const { api } = useStaff();
  const subscription = useLoad(
    () =>
      api
        .GET('/api/v1/tenants/{tenantId}/subscription', { params: { path: { tenantId } } })
        .then(unwrap)
        .catch((error: unknown) => {
          if (error instanceof ApiError && error.code === 'SUBSCRIPTION_NOT_FOUND') return null;
          throw error;
        }),
    [api, tenantId],
  );
  const history = useLoad(() => api.GET('/api/v1/tenants/{tenantId}/subscription-events', { params: { path: { tenantId } } }).then(unwrap), [api, tenantId]);
  return (
    <Card title="Subscription" id="subscription-heading">
      <ErrorNotice error={subscription.error ?? history.error} />
      {subscription.data === undefined ? (
        <Loading />
      ) : subscription.data === null ? (
        <Empty>No subscription.</Empty>
      ) : (
        <Facts
          items={[
            ['Plan', subscription.data.plan_id],
            ['Status', <Badge key="status" value={subscription.data.status} />],
            ['Access', <Badge key="access" value={subscription.data.access} />],
            ['Billing', label(subscription.data.billing_interval)],
            ['Add-ons', subscription.data.addons.join(', ') || '—'],
            [
              'Grace ends',
              subscription.data.grace_ends_at ? `${formatDate(subscription.data.grace_ends_at)} (${relativeDays(subscription.data.grace_ends_at)})` : '—',
            ],
          ]}
        />
      )}
      {history.data && history.data.items.length > 0 && (
        <details>
          <summary>History ({history.data.items.length})</summary>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Reason</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {history.data.items.map((event) => (
                <tr key={event.id}>
                  <td>{formatDateTime(event.occurred_at)}</td>
                  <td>
                    <Badge value={event.from_status} />
                  </td>
                  <td>
                    <Badge value={event.to_status} />
                  </td>
                  <td>{label(event.reason)}</td>
                  <td className="muted">{event.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </Card>
  );
}
