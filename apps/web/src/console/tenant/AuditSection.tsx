import { unwrap } from '../../shared/api';
import { formatDateTime } from '../../shared/format';
import { LoadMore, useCursorList } from '../../shared/paging';
import { Card, Empty, ErrorNotice, Loading } from '../../shared/ui';
import { useStaff } from '../staff';

export function AuditSection({ tenantId }: { tenantId: string }) {
  const { api } = useStaff();
  const events = useCursorList(
    (cursor) => api.GET('/api/v1/audit-events', { params: { query: { tenant_id: tenantId, limit: 50, cursor } } }).then(unwrap),
    [api, tenantId],
  );
  return (
    <Card title="Timeline" id="timeline-heading">
      <ErrorNotice error={events.error} />
      {!events.page ? (
        !events.error && <Loading />
      ) : events.page.items.length === 0 ? (
        <Empty>Nothing recorded yet.</Empty>
      ) : (
        <ol className="timeline">
          {events.page.items.map((event) => (
            <li key={event.id}>
              <span className="muted">{formatDateTime(event.occurred_at)}</span>
              <span>
                <strong>{event.action}</strong> <span className="muted">by {event.actor}</span>
                {event.target_type !== 'tenant' && (
                  <span className="muted">
                    {' '}
                    · {event.target_type} <code>{event.target_id.slice(0, 8)}</code>
                  </span>
                )}
              </span>
            </li>
          ))}
        </ol>
      )}
      <LoadMore list={events} />
    </Card>
  );
}
