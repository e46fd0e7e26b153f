import { useState } from 'react';
import { unwrap } from '../../shared/api';
import { formatDateTime, label } from '../../shared/format';
import { LoadMore, useCursorList } from '../../shared/paging';
import { ACTIONS, Badge, Card, DataTable, Empty, ErrorNotice, Loading } from '../../shared/ui';
import { can, useStaff } from '../staff';

export function NotificationsSection({ tenantId }: { tenantId: string }) {
  const { api, role } = useStaff();
  const notifications = useCursorList(
    (cursor) => api.GET('/api/v1/notifications', { params: { query: { tenant_id: tenantId, limit: 50, cursor } } }).then(unwrap),
    [api, tenantId],
  );
  const [error, setError] = useState<unknown>();
  const [resent, setResent] = useState<string | null>(null);

  const resend = async (id: string) => {
    setError(undefined);
    try {
      unwrap(await api.POST('/api/v1/notifications/{id}/resend', { params: { path: { id } } }));
      setResent(id);
      notifications.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <Card title="Notifications" id="notifications-heading">
      <ErrorNotice error={error ?? notifications.error} />
      {resent && (
        <p role="status" className="muted">
          Notification {resent.slice(0, 8)} queued again.
        </p>
      )}
      {!notifications.page ? (
        !notifications.error && <Loading />
      ) : notifications.page.items.length === 0 ? (
        <Empty>No emails yet.</Empty>
      ) : (
        <DataTable
          rows={notifications.page.items}
          rowKey={(notification) => notification.id}
          columns={[
            { header: 'Created', cell: (notification) => formatDateTime(notification.created_at) },
            { header: 'Stage', cell: (notification) => label(notification.stage) },
            { header: 'To', cell: (notification) => notification.recipient },
            {
              header: 'Status',
              cell: (notification) => (
                <>
                  <Badge value={notification.status} />
                  {notification.resends > 0 && <span className="muted"> · resent {notification.resends}×</span>}
                </>
              ),
            },
            { header: 'Attempts', className: 'number', cell: (notification) => notification.attempts },
            {
              header: ACTIONS,
              cell: (notification) =>
                can(role, 'support') &&
                (notification.status === 'sent' || notification.status === 'failed') && (
                  <button className="small secondary" onClick={() => void resend(notification.id)} aria-label={`Resend ${label(notification.stage)} email`}>
                    Resend
                  </button>
                ),
            },
          ]}
        />
      )}
      <LoadMore list={notifications} />
    </Card>
  );
}
