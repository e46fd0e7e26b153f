import { useState } from 'react';
import { unwrap } from '../../shared/api';
import { formatDateTime, label } from '../../shared/format';
import { Badge, Card, Empty, ErrorNotice, Loading, useLoad } from '../../shared/ui';
import { can, useStaff } from '../staff';

export function NotificationsSection({ tenantId }: { tenantId: string }) {
  const { api, role } = useStaff();
  const notifications = useLoad(
    () => api.GET('/api/v1/notifications', { params: { query: { tenant_id: tenantId, limit: 50 } } }).then(unwrap),
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
      {!notifications.data ? (
        <Loading />
      ) : notifications.data.items.length === 0 ? (
        <Empty>No emails yet.</Empty>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Stage</th>
              <th scope="col">To</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">
                <span className="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {notifications.data.items.map((notification) => (
              <tr key={notification.id}>
                <td>{formatDateTime(notification.created_at)}</td>
                <td>{label(notification.stage)}</td>
                <td>{notification.recipient}</td>
                <td>
                  <Badge value={notification.status} />
                  {notification.resends > 0 && <span className="muted"> · resent {notification.resends}×</span>}
                </td>
                <td className="number">{notification.attempts}</td>
                <td>
                  {can(role, 'support') && (notification.status === 'sent' || notification.status === 'failed') && (
                    <button className="small secondary" onClick={() => void resend(notification.id)} aria-label={`Resend ${label(notification.stage)} email`}>
                      Resend
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
