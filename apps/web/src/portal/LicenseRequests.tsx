import { useState } from 'react';
import { unwrap, type ApiClient, type Schemas } from '../shared/api';
import { saveFile } from '../shared/download';
import { formatDate } from '../shared/format';
import { kindLabel, RequestCells, type LicenseRequest } from '../shared/license-requests';
import { LoadMore, useCursorList } from '../shared/paging';
import { Badge, Banner, Card, Empty, ErrorNotice, Loading } from '../shared/ui';
import { RequestLicenseForm, type RequestPrefill } from './RequestLicenseForm';

/** The license file as a tenant plane loads it: the token, from the portal's own download route. */
export async function downloadLicense(api: ApiClient, licenseId: string): Promise<void> {
  const file = unwrap(await api.GET('/api/v1/portal/licenses/{id}/download', { params: { path: { id: licenseId } } }));
  saveFile(`license-${file.license_id}.jwt`, `${file.token}\n`, 'application/jwt');
}

/** Ask support for a license, and follow what became of earlier requests. */
export function LicenseRequestsCard({
  api,
  tenantId,
  licenses,
  currentPlan,
  prefill,
  onPrefillUsed,
}: {
  api: ApiClient;
  tenantId: string;
  licenses: Schemas['License'][];
  currentPlan: { id: string; addons: string[] } | null;
  prefill: RequestPrefill | null;
  onPrefillUsed: () => void;
}) {
  // Newest first for the customer: the request just sent is on top.
  const requests = useCursorList(
    (cursor) => api.GET('/api/v1/license-requests', { params: { query: { order: 'newest', limit: 20, cursor } } }).then(unwrap),
    [api],
  );
  const [open, setOpen] = useState(prefill !== null);
  const [sent, setSent] = useState<LicenseRequest | null>(null);
  const [error, setError] = useState<unknown>();

  const close = () => {
    setOpen(false);
    onPrefillUsed();
  };

  const cancel = async (request: LicenseRequest) => {
    setError(undefined);
    try {
      unwrap(await api.POST('/api/v1/license-requests/{id}/cancel', { params: { path: { id: request.id } } }));
      setSent(null);
      requests.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  const download = async (licenseId: string) => {
    setError(undefined);
    await downloadLicense(api, licenseId).catch(setError);
  };

  const items = requests.page?.items ?? [];
  return (
    <Card
      title="License requests"
      id="requests-heading"
      actions={
        !open && (
          <button
            onClick={() => {
              setSent(null);
              setOpen(true);
            }}
          >
            Request a license
          </button>
        )
      }
    >
      {open && (
        <RequestLicenseForm
          api={api}
          tenantId={tenantId}
          licenses={licenses}
          currentPlan={currentPlan}
          prefill={prefill}
          onSent={(request) => {
            setSent(request);
            close();
            requests.reload();
          }}
          onClose={close}
        />
      )}
      {sent && (
        <Banner tone="good" title={`Request sent: ${kindLabel(sent.kind).toLowerCase()}`}>
          Support has been notified. You will get an email when it is decided; its status is below.
        </Banner>
      )}
      <ErrorNotice error={error ?? requests.error} />
      <h3 className="subheading">Your requests</h3>
      {!requests.page ? (
        !requests.error && <Loading />
      ) : items.length === 0 ? (
        <Empty>No requests yet. Ask for a license for a new installation, a renewal, an upgrade or a replacement.</Empty>
      ) : (
        <table className="table" aria-label="Your requests">
          <thead>
            <tr>
              <th scope="col">Requested</th>
              <th scope="col">Kind</th>
              <th scope="col">Terms</th>
              <th scope="col">Locking code</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((request) => (
              <tr key={request.id}>
                <td className="nowrap">{formatDate(request.created_at)}</td>
                <RequestCells
                  request={request}
                  kindNote={
                    request.replaces_license_id && (
                      <span className="muted">
                        of <code title={request.replaces_license_id}>{request.replaces_license_id.slice(0, 8)}</code>
                      </span>
                    )
                  }
                />
                <td>
                  <Badge value={request.status} />
                  {request.status === 'declined' && request.decision_reason && <div className="reason">{request.decision_reason}</div>}
                  {request.status !== 'open' && <div className="muted">{formatDate(request.decided_at)}</div>}
                </td>
                <td>
                  {request.status === 'open' && (
                    <button
                      className="small danger"
                      onClick={() => void cancel(request)}
                      aria-label={`Cancel ${kindLabel(request.kind).toLowerCase()} request`}
                    >
                      Cancel request
                    </button>
                  )}
                  {request.license_id && (
                    <div className="row nowrap">
                      <a href={`#license-${request.license_id}`}>
                        License <code>{request.license_id.slice(0, 8)}</code>
                      </a>
                      <button
                        className="small secondary"
                        onClick={() => void download(request.license_id!)}
                        aria-label={`Download license ${request.license_id.slice(0, 8)}`}
                      >
                        Download
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore list={requests} />
    </Card>
  );
}
