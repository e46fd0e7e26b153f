import { useState } from 'react';
import { unwrap } from '../shared/api';
import { formatDateTime } from '../shared/format';
import { ACTIONS, Badge, Banner, Card, DataTable, Empty, ErrorNotice, Loading, useLoad } from '../shared/ui';
import { can, useStaff } from './staff';

/** Admins: who is signed in to the console through single sign-on, and ending a session (a lost laptop, a leaver). */
export function SessionsPage() {
  const { api, role, sessionId } = useStaff();
  const sessions = useLoad(() => (can(role, 'admin') ? api.GET('/api/v1/sessions').then(unwrap) : Promise.resolve(undefined)), [api, role]);
  const [error, setError] = useState<unknown>();
  const [ended, setEnded] = useState<string | null>(null);

  if (!can(role, 'admin')) return <Banner tone="info" title="Sessions are for admins." />;

  const revoke = (id: string, who: string) => {
    setError(undefined);
    api
      .POST('/api/v1/sessions/{id}/revoke', { params: { path: { id } } })
      .then(unwrap)
      .then(() => {
        setEnded(who);
        sessions.reload();
      }, setError);
  };

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Sessions</h1>
          <p className="muted">
            People signed in to the console through single sign-on. Ending a session signs that browser out at its next request; a session also ends after a
            spell of inactivity, and at the latest some hours after sign-in.
          </p>
        </div>
      </div>
      <div className="stack">
        <ErrorNotice error={error ?? sessions.error} />
        {ended && <Banner tone="good" title={`Session of ${ended} ended`} />}
        <Card title="Live sessions" id="sessions-heading">
          {!sessions.data ? (
            <Loading />
          ) : sessions.data.items.length === 0 ? (
            <Empty>Nobody is signed in through single sign-on.</Empty>
          ) : (
            <DataTable
              rows={sessions.data.items.map((session) => ({ ...session, who: session.name ?? session.email ?? session.subject }))}
              rowKey={(session) => session.id}
              columns={[
                {
                  header: 'Person',
                  cell: (session) => (
                    <>
                      {session.who}
                      {session.email && session.email !== session.who && <div className="muted small">{session.email}</div>}
                    </>
                  ),
                },
                {
                  header: 'Role',
                  cell: (session) => (
                    <>
                      <Badge value={session.role} />
                      <div className="muted small">{session.groups.join(', ')}</div>
                    </>
                  ),
                },
                {
                  header: 'Signed in',
                  className: 'nowrap',
                  cell: (session) => (
                    <>
                      {formatDateTime(session.created_at)}
                      <div className="muted small">last seen {formatDateTime(session.last_seen_at)}</div>
                    </>
                  ),
                },
                {
                  header: 'Ends if idle',
                  className: 'nowrap',
                  cell: (session) => (
                    <>
                      {formatDateTime(session.idle_expires_at)}
                      <div className="muted small">at the latest {formatDateTime(session.absolute_expires_at)}</div>
                    </>
                  ),
                },
                { header: 'From', className: 'mono', cell: (session) => session.source_address ?? '—' },
                {
                  header: ACTIONS,
                  className: 'nowrap',
                  cell: (session) =>
                    session.id === sessionId ? (
                      <span className="muted">This session</span>
                    ) : (
                      <button className="small danger" onClick={() => revoke(session.id, session.who)} aria-label={`End session of ${session.who}`}>
                        End session
                      </button>
                    ),
                },
              ]}
            />
          )}
        </Card>
      </div>
    </>
  );
}
