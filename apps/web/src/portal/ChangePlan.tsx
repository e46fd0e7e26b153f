import { useState, type FormEvent } from 'react';
import { unwrap, type ApiClient } from '../shared/api';
import { label } from '../shared/format';
import { ErrorNotice, useLoad } from '../shared/ui';

/** Stripe Checkout for a plan with a price; Stripe's own page takes the card. */
export function ChangePlan({ api, tenantId, currentPlan }: { api: ApiClient; tenantId: string; currentPlan: string | null }) {
  const [open, setOpen] = useState(false);
  const plans = useLoad(() => (open ? api.GET('/api/v1/portal/plans').then(unwrap) : Promise.resolve(undefined)), [api, open]);
  const [planId, setPlanId] = useState('');
  const [interval, setInterval] = useState<'monthly' | 'annual'>('annual');
  const [error, setError] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const chosen = planId || plans.data?.items[0]?.id;
      if (!chosen) return;
      const session = unwrap(
        await api.POST('/api/v1/billing/checkout-sessions', { body: { tenant_id: tenantId, plan_id: chosen, billing_interval: interval, addons: [] } }),
      );
      window.location.assign(session.url);
    } catch (caught) {
      setError(caught);
    }
  };

  if (!open)
    return (
      <p>
        <button className="secondary" onClick={() => setOpen(true)}>
          Change plan
        </button>
      </p>
    );
  const items = plans.data?.items ?? [];
  return (
    <form className="form" onSubmit={submit}>
      <div className="form-grid">
        <label>
          Plan
          <select value={planId || items[0]?.id || ''} onChange={(event) => setPlanId(event.target.value)}>
            {items.map((plan) => (
              <option key={plan.id} value={plan.id}>
                {plan.name}
                {plan.id === currentPlan ? ' (current)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Billing
          <select value={interval} onChange={(event) => setInterval(event.target.value as 'monthly' | 'annual')}>
            {(['annual', 'monthly'] as const).map((value) => (
              <option key={value} value={value}>
                {label(value)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNotice error={error ?? plans.error} />
      <div className="row">
        <button type="submit" disabled={items.length === 0}>
          Continue to checkout
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
