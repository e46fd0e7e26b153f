const DAY_MS = 86_400_000;

export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  return new Date(value).toLocaleDateString('en-GB', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  return (
    new Date(value).toLocaleString('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }) + ' UTC'
  );
}

/** "in 12 days", "3 days ago", "today". */
export function relativeDays(value: string | null | undefined, now = Date.now()): string {
  if (!value) return '';
  const days = Math.round((new Date(value).getTime() - now) / DAY_MS);
  if (days === 0) return 'today';
  return days > 0 ? `in ${days} day${days === 1 ? '' : 's'}` : `${-days} day${days === -1 ? '' : 's'} ago`;
}

export function label(value: string): string {
  return value.replaceAll('_', ' ');
}
