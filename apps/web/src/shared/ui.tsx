import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { label } from './format';

export function Card({ title, actions, children, id }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section className="card" aria-labelledby={id}>
      {(title || actions) && (
        <header className="card-header">
          {title && <h2 id={id}>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      <div className="card-body">{children}</div>
    </section>
  );
}

const TONES: Record<string, string> = {
  active: 'good',
  full: 'good',
  trialing: 'good',
  renewed: 'good',
  approved: 'good',
  resent: 'good',
  sent: 'good',
  grace: 'warn',
  past_due: 'warn',
  read_only: 'warn',
  pending: 'warn',
  queued: 'warn',
  superseded: 'muted',
  canceled: 'bad',
  suspended: 'bad',
  blocked: 'bad',
  revoked: 'bad',
  declined: 'bad',
  locked: 'bad',
  failed: 'bad',
  invalid: 'bad',
};

export function Badge({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  return <span className={`badge badge-${TONES[value] ?? 'info'}`}>{label(value)}</span>;
}

export function Banner({ tone, title, children }: { tone: 'warn' | 'bad' | 'info' | 'good'; title: string; children?: ReactNode }) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'bad' || tone === 'warn' ? 'alert' : 'status'}>
      <strong>{title}</strong>
      {children && <div>{children}</div>}
    </div>
  );
}

export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  return (
    <div className="banner banner-bad" role="alert">
      {code && <code className="error-code">{code}</code>} {message}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Loading() {
  return (
    <p className="loading" role="status">
      Loading…
    </p>
  );
}

/** A key/value list for details. */
export function Facts({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Loads once per `deps` change; `reload` runs it again (after an action). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown }>({ data: undefined, error: undefined });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setState({ data, error: undefined }),
      (error: unknown) => current && setState({ data: undefined, error }),
    );
    return () => {
      current = false;
    };
  }, [...deps, version]);
  return { ...state, reload: () => setVersion((value) => value + 1) };
}

/** One column of a DataTable: its header and what each row shows in it. */
export interface Column<T> {
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** The cells' class: `number` right-aligns, `mono` and `nowrap` as in styles.css. */
  className?: string;
}

/** The console's and portal's plain table: one header row, one row per item. `false` columns are left out (a column only some roles see). */
export function DataTable<T>({
  columns,
  rows,
  rowKey,
  rowId,
}: {
  columns: (Column<T> | false)[];
  rows: T[];
  rowKey: (row: T) => string;
  rowId?: (row: T) => string;
}) {
  const shown = columns.filter((column): column is Column<T> => column !== false);
  return (
    <table className="table">
      <thead>
        <tr>
          {shown.map((column, index) => (
            <th key={index} scope="col">
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)} id={rowId?.(row)}>
            {shown.map((column, index) => (
              <td key={index} className={column.className}>
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The header of a column of row buttons: there, but quiet. */
export const ACTIONS = <span className="muted">Actions</span>;

export interface Submit {
  onSubmit: (event: FormEvent) => Promise<void>;
  error: unknown;
  busy: boolean;
}

/** A form's submit: runs `action` with `busy` set meanwhile (disable the button), and keeps the API's error to show. */
export function useSubmit(action: () => Promise<void>): Submit {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { onSubmit, error, busy };
}
