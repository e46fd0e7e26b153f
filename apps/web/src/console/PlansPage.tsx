import { useState } from 'react';
import { unwrap, type Schemas } from '../shared/api';
import { formatDate, label } from '../shared/format';
import { ACTIONS, Banner, Card, DataTable, Empty, ErrorNotice, Loading, useLoad, useSubmit, type Submit } from '../shared/ui';
import { can, useStaff } from './staff';

type Plan = Schemas['Plan'];
type Price = Schemas['StripePrice'];
type Limits = Plan['limits'];

const LIMITS: { key: keyof Limits; name: string }[] = [
  { key: 'users', name: 'Users' },
  { key: 'data_volume_gb', name: 'Data (GB)' },
  { key: 'ai_credits', name: 'AI credits' },
  { key: 'retention_days', name: 'Retention (days)' },
];
const INTERVALS = ['monthly', 'annual'] as const;

/** What a Stripe price sells: a plan or an add-on. */
interface Product {
  kind: 'plan' | 'addon';
  id: string;
  /** The current (unretired) price per billing interval. */
  current: Partial<Record<(typeof INTERVALS)[number], string>>;
}

const productName = (product: { kind: 'plan' | 'addon'; id: string }) => `${product.kind === 'plan' ? 'plan' : 'add-on'} ${product.id}`;
const soldBy = (price: Price) => (price.plan_id ? productName({ kind: 'plan', id: price.plan_id }) : productName({ kind: 'addon', id: price.addon_id ?? '' }));

function limit(value: number | null): string {
  return value === null ? 'unlimited' : value.toLocaleString('en');
}

/** Every plan and every add-on some plan offers, each with its current prices. */
function products(plans: Plan[], prices: Price[]): Product[] {
  const addons = [...new Set(plans.flatMap((plan) => plan.available_addons))].sort();
  const all: Product[] = [...plans.map((plan) => ({ kind: 'plan' as const, id: plan.id })), ...addons.map((id) => ({ kind: 'addon' as const, id }))].map(
    (product) => ({ ...product, current: {} }),
  );
  for (const price of prices.filter((candidate) => !candidate.retired_at)) {
    const owner = all.find((product) => (product.kind === 'plan' ? price.plan_id : price.addon_id) === product.id);
    if (owner) owner.current[price.billing_interval] = price.price_id;
  }
  return all;
}

/** Plans (limits, modules, add-ons) and the Stripe prices that sell them; support and admins edit, viewers read. */
export function PlansPage() {
  const { api, role } = useStaff();
  const editor = can(role, 'support');
  const plans = useLoad(() => api.GET('/api/v1/plans').then(unwrap), [api]);
  const prices = useLoad(() => api.GET('/api/v1/billing/prices').then(unwrap), [api]);
  const [editing, setEditing] = useState<Plan | 'new' | null>(null);
  const [pricing, setPricing] = useState<Product | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  // Opening a form clears the last "saved" banner: it would sit above that form's own errors.
  const open = (form: { plan?: Plan | 'new' | null; product?: Product | null }) => {
    setSaved(null);
    setEditing(form.plan ?? null);
    setPricing(form.product ?? null);
  };
  const done = (message: string) => {
    setSaved(message);
    setEditing(null);
    setPricing(null);
    plans.reload();
    prices.reload();
  };
  const all = plans.data && prices.data ? products(plans.data.items, prices.data.items) : undefined;
  const retired = prices.data?.items.filter((price) => price.retired_at) ?? [];

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Plans &amp; prices</h1>
          <p className="muted">What each plan grants, and the Stripe prices that sell it. Changes apply to licenses issued from now on.</p>
        </div>
      </div>
      <ErrorNotice error={plans.error ?? prices.error} />
      <div className="stack">
        {saved && <Banner tone="good" title={saved} />}
        <Card
          title="Plans"
          id="plans-heading"
          actions={
            editor && (
              <button onClick={() => open({ plan: editing === 'new' ? null : 'new' })} aria-expanded={editing === 'new'}>
                New plan
              </button>
            )
          }
        >
          {editing && (
            <PlanForm
              key={editing === 'new' ? 'new' : editing.id}
              plan={editing === 'new' ? null : editing}
              onSaved={(plan) => done(editing === 'new' ? `Plan ${plan.id} created` : `Plan ${plan.id} saved`)}
              onCancel={() => setEditing(null)}
            />
          )}
          {!plans.data ? (
            !plans.error && <Loading />
          ) : (
            <DataTable
              rows={plans.data.items}
              rowKey={(plan) => plan.id}
              columns={[
                {
                  header: 'Plan',
                  cell: (plan) => (
                    <>
                      <strong>{plan.name}</strong> <code className="muted">{plan.id}</code>
                    </>
                  ),
                },
                ...LIMITS.map(({ key, name }) => ({ header: name, className: 'number', cell: (plan: Plan) => limit(plan.limits[key]) })),
                { header: 'Modules', cell: (plan) => plan.modules.join(', ') },
                { header: 'Add-ons', cell: (plan) => plan.available_addons.join(', ') || '—' },
                editor && {
                  header: ACTIONS,
                  cell: (plan) => (
                    <button className="small secondary" onClick={() => open({ plan })} aria-label={`Edit plan ${plan.id}`}>
                      Edit
                    </button>
                  ),
                },
              ]}
            />
          )}
        </Card>
        <Card title="Stripe prices" id="prices-heading">
          <p className="muted">
            Checkout sells the current price of each billing interval. A replaced price is retired: subscribers already on it keep being billed, and its
            webhooks still resolve, but it is never offered again and no other plan or add-on can take it.
          </p>
          {pricing && <PriceForm key={`${pricing.kind}-${pricing.id}`} product={pricing} onSaved={done} onCancel={() => setPricing(null)} />}
          {!all ? (
            !(plans.error ?? prices.error) && <Loading />
          ) : (
            <DataTable
              rows={all}
              rowKey={(product) => `${product.kind}-${product.id}`}
              columns={[
                { header: 'Sells', cell: (product) => productName(product) },
                ...INTERVALS.map((interval) => ({
                  header: label(interval),
                  cell: (product: Product) => (product.current[interval] ? <code>{product.current[interval]}</code> : <span className="muted">not sold</span>),
                })),
                editor && {
                  header: ACTIONS,
                  cell: (product) => (
                    <button className="small secondary" onClick={() => open({ product })} aria-label={`Set prices of ${productName(product)}`}>
                      Set prices
                    </button>
                  ),
                },
              ]}
            />
          )}
        </Card>
        <Card title="Retired prices" id="retired-heading">
          {retired.length === 0 ? (
            <Empty>No price has been replaced yet.</Empty>
          ) : (
            <DataTable
              rows={retired}
              rowKey={(price) => price.price_id}
              columns={[
                { header: 'Price', className: 'mono', cell: (price) => price.price_id },
                { header: 'Sold', cell: soldBy },
                { header: 'Billing', cell: (price) => label(price.billing_interval) },
                { header: 'Since', cell: (price) => formatDate(price.created_at) },
                { header: 'Retired', cell: (price) => formatDate(price.retired_at) },
              ]}
            />
          )}
        </Card>
      </div>
    </>
  );
}

const list = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);

/** Creates a plan (`plan` null) or edits one: name, limits (empty: unlimited), modules and add-ons. */
function PlanForm({ plan, onSaved, onCancel }: { plan: Plan | null; onSaved: (plan: Plan) => void; onCancel: () => void }) {
  const { api } = useStaff();
  const [form, setForm] = useState({
    id: plan?.id ?? '',
    name: plan?.name ?? '',
    limits: Object.fromEntries(LIMITS.map(({ key }) => [key, plan ? (plan.limits[key]?.toString() ?? '') : ''])) as Record<keyof Limits, string>,
    modules: plan?.modules.join(', ') ?? '',
    addons: plan?.available_addons.join(', ') ?? '',
  });
  const submit = useSubmit(async () => {
    const body = {
      name: form.name.trim(),
      limits: Object.fromEntries(LIMITS.map(({ key }) => [key, form.limits[key].trim() === '' ? null : Number(form.limits[key])])) as Limits,
      modules: list(form.modules),
      available_addons: list(form.addons),
    };
    onSaved(
      unwrap(
        plan
          ? await api.PATCH('/api/v1/plans/{id}', { params: { path: { id: plan.id } }, body })
          : await api.POST('/api/v1/plans', { body: { id: form.id.trim(), ...body } }),
      ),
    );
  });

  const title = plan ? `Edit plan ${plan.id}` : 'New plan';
  return (
    <form className="form request-form" onSubmit={submit.onSubmit} aria-label={title}>
      <h3 className="subheading">{title}</h3>
      <div className="form-grid">
        {!plan && (
          <label>
            Plan id
            <input
              name="id"
              className="mono"
              value={form.id}
              onChange={(event) => setForm({ ...form, id: event.target.value })}
              required
              pattern="[a-z][a-z0-9_\-]*"
            />
            <span className="hint">Lower case, for good: licenses and Stripe refer to it.</span>
          </label>
        )}
        <label>
          Name
          <input name="name" value={form.name} onChange={(event) => setForm({ ...form, name: event.target.value })} required maxLength={100} />
        </label>
        {LIMITS.map(({ key, name }) => (
          <label key={key}>
            {name}
            <input
              name={key}
              type="number"
              min={0}
              step={1}
              placeholder="unlimited"
              value={form.limits[key]}
              onChange={(event) => setForm({ ...form, limits: { ...form.limits, [key]: event.target.value } })}
            />
          </label>
        ))}
        <label>
          Modules
          <input name="modules" value={form.modules} onChange={(event) => setForm({ ...form, modules: event.target.value })} placeholder="itsm, compliance" />
        </label>
        <label>
          Add-ons offered
          <input name="addons" value={form.addons} onChange={(event) => setForm({ ...form, addons: event.target.value })} placeholder="none" />
        </label>
      </div>
      <p className="hint">An empty limit is unlimited. Modules and add-ons are ids, separated by commas.</p>
      <FormFooter submit={submit} label={plan ? 'Save plan' : 'Create plan'} onCancel={onCancel} />
    </form>
  );
}

/** Sets or replaces the Stripe price of each billing interval; an emptied field stops selling that interval. */
function PriceForm({ product, onSaved, onCancel }: { product: Product; onSaved: (message: string) => void; onCancel: () => void }) {
  const { api } = useStaff();
  const [form, setForm] = useState({ monthly: product.current.monthly ?? '', annual: product.current.annual ?? '' });
  const submit = useSubmit(async () => {
    // Only what changed: an unchanged interval is left alone, an emptied one unmapped.
    const body = Object.fromEntries(
      INTERVALS.filter((interval) => form[interval].trim() !== (product.current[interval] ?? '')).map((interval) => [interval, form[interval].trim() || null]),
    );
    if (Object.keys(body).length === 0) return onCancel();
    const path = { params: { path: { id: product.id } }, body };
    unwrap(product.kind === 'plan' ? await api.PUT('/api/v1/plans/{id}/prices', path) : await api.PUT('/api/v1/addons/{id}/prices', path));
    onSaved(`Prices of ${productName(product)} saved`);
  });

  const title = `Prices of ${productName(product)}`;
  return (
    <form className="form request-form" onSubmit={submit.onSubmit} aria-label={title}>
      <h3 className="subheading">{title}</h3>
      <div className="form-grid">
        {INTERVALS.map((interval) => (
          <label key={interval}>
            {label(interval).replace(/^./, (first) => first.toUpperCase())} price
            <input
              name={interval}
              className="mono"
              value={form[interval]}
              onChange={(event) => setForm({ ...form, [interval]: event.target.value })}
              placeholder="price_…"
              pattern="price_[A-Za-z0-9]+"
            />
          </label>
        ))}
      </div>
      <p className="hint">The Stripe price id (price_…) from the Stripe dashboard. Replacing a price retires the old one; emptying a field stops selling it.</p>
      <FormFooter submit={submit} label="Save prices" onCancel={onCancel} />
    </form>
  );
}

function FormFooter({ submit, label, onCancel }: { submit: Submit; label: string; onCancel: () => void }) {
  return (
    <>
      <ErrorNotice error={submit.error} />
      <div className="row">
        <button type="submit" disabled={submit.busy}>
          {label}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
