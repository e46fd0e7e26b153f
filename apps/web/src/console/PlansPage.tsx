import { unwrap } from '../shared/api';
import { formatDate, label } from '../shared/format';
import { Card, Empty, ErrorNotice, Loading, useLoad } from '../shared/ui';
import { useStaff } from './staff';

function limit(value: number | null): string {
  return value === null ? 'unlimited' : value.toLocaleString('en');
}

export function PlansPage() {
  const { api } = useStaff();
  const plans = useLoad(() => api.GET('/api/v1/plans').then(unwrap), [api]);
  const prices = useLoad(() => api.GET('/api/v1/billing/prices').then(unwrap), [api]);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Plans &amp; prices</h1>
          <p className="muted">What each plan grants, and the Stripe prices that sell it.</p>
        </div>
      </div>
      <ErrorNotice error={plans.error ?? prices.error} />
      <div className="stack">
        <Card title="Plans" id="plans-heading">
          {!plans.data ? (
            <Loading />
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Plan</th>
                  <th scope="col">Users</th>
                  <th scope="col">Data (GB)</th>
                  <th scope="col">AI credits</th>
                  <th scope="col">Retention (days)</th>
                  <th scope="col">Modules</th>
                  <th scope="col">Add-ons</th>
                </tr>
              </thead>
              <tbody>
                {plans.data.items.map((plan) => (
                  <tr key={plan.id}>
                    <td>
                      <strong>{plan.name}</strong> <code className="muted">{plan.id}</code>
                    </td>
                    <td className="number">{limit(plan.limits.users)}</td>
                    <td className="number">{limit(plan.limits.data_volume_gb)}</td>
                    <td className="number">{limit(plan.limits.ai_credits)}</td>
                    <td className="number">{limit(plan.limits.retention_days)}</td>
                    <td>{plan.modules.join(', ')}</td>
                    <td>{plan.available_addons.join(', ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Stripe prices" id="prices-heading">
          {!prices.data ? (
            <Loading />
          ) : prices.data.items.length === 0 ? (
            <Empty>No Stripe price is mapped yet (PUT /api/v1/plans/:id/prices).</Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Price</th>
                  <th scope="col">Sells</th>
                  <th scope="col">Billing</th>
                  <th scope="col">Since</th>
                  <th scope="col">Retired</th>
                </tr>
              </thead>
              <tbody>
                {prices.data.items.map((price) => (
                  <tr key={price.price_id}>
                    <td className="mono">{price.price_id}</td>
                    <td>{price.plan_id ? `plan ${price.plan_id}` : `add-on ${price.addon_id}`}</td>
                    <td>{label(price.billing_interval)}</td>
                    <td>{formatDate(price.created_at)}</td>
                    <td>{formatDate(price.retired_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </>
  );
}
