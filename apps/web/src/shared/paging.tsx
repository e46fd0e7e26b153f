import { useEffect, useRef, useState } from 'react';

/** A page of a keyset-paged API list: `next_cursor` is passed back as `cursor` for the next page, null on the last. */
export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

export interface CursorList<P extends CursorPage<unknown>> {
  /** Every page loaded so far, items appended; the other fields (counts, totals) are the newest page's. */
  page?: P;
  error?: unknown;
  loadingMore: boolean;
  loadMore: () => Promise<void>;
  /** Starts again from the first page (after an action changed the list). */
  reload: () => void;
}

/** A list paged by cursor: the first page on each `deps` change, then "Load more" appends the next one. */
export function useCursorList<P extends CursorPage<unknown>>(fetchPage: (cursor?: string) => Promise<P>, deps: unknown[]): CursorList<P> {
  const [state, setState] = useState<{ page?: P; error?: unknown; loadingMore: boolean }>({ loadingMore: false });
  const [version, setVersion] = useState(0);
  // A reload keeps showing the rows until the new first page arrives; a new filter clears them at once.
  const reloading = useRef(false);

  useEffect(() => {
    let current = true;
    if (!reloading.current) setState({ loadingMore: false });
    reloading.current = false;
    fetchPage().then(
      (page) => current && setState({ page, loadingMore: false }),
      (error: unknown) => current && setState({ error, loadingMore: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, version]);

  const loadMore = async () => {
    const before = state.page;
    if (!before?.next_cursor) return;
    setState({ page: before, loadingMore: true });
    try {
      const next = await fetchPage(before.next_cursor);
      setState({ page: { ...next, items: [...before.items, ...next.items] }, loadingMore: false });
    } catch (error) {
      setState({ page: before, error, loadingMore: false });
    }
  };
  const reload = () => {
    reloading.current = true;
    setVersion((value) => value + 1);
  };
  return { ...state, loadMore, reload };
}

/** The "Load more" button under a cursor-paged list, with how many rows are shown (of `total` when the API counts them). */
export function LoadMore({ list, total }: { list: CursorList<CursorPage<unknown>>; total?: number }) {
  if (!list.page?.next_cursor) return null;
  return (
    <div className="row load-more">
      <button className="secondary small" onClick={() => void list.loadMore()} disabled={list.loadingMore}>
        {list.loadingMore ? 'Loading…' : 'Load more'}
      </button>
      <span className="muted">
        Showing {list.page.items.length}
        {total !== undefined && ` of ${total}`}
      </span>
    </div>
  );
}
