import type { VoteStatsFieldsFragment } from '@generated/graphql';

/** Time left as `m:ss` (or `h:mm:ss` from an hour, `Nd h:mm:ss` from a day); 0:00 once past. */
export function formatCountdown(msLeft: number): string {
  const total = Number.isFinite(msLeft) ? Math.max(0, Math.ceil(msLeft / 1000)) : 0;
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const ss = String(seconds).padStart(2, '0');
  if (days > 0) return `${days}d ${hours}:${String(minutes).padStart(2, '0')}:${ss}`;
  if (hours > 0) return `${hours}:${String(minutes).padStart(2, '0')}:${ss}`;
  return `${minutes}:${ss}`;
}

/** A countdown's words for screen readers, e.g. "2 minutes 5 seconds left". */
export function describeCountdown(msLeft: number): string {
  const total = Number.isFinite(msLeft) ? Math.max(0, Math.ceil(msLeft / 1000)) : 0;
  if (total === 0) return 'Time is up';
  const parts: string[] = [];
  const units: [number, string][] = [
    [Math.floor(total / 86400), 'day'],
    [Math.floor((total % 86400) / 3600), 'hour'],
    [Math.floor((total % 3600) / 60), 'minute'],
    [total % 60, 'second'],
  ];
  for (const [value, unit] of units) {
    if (value > 0) parts.push(`${value} ${unit}${value === 1 ? '' : 's'}`);
  }
  return `${parts.join(' ')} left`;
}

function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return new Intl.NumberFormat('en', { maximumFractionDigits: 1 }).format(value);
}

export interface StatRow {
  label: string;
  value: string;
}

/** The revealed round's statistics as label/value rows, in the order the results show them. */
export function statRows(stats: VoteStatsFieldsFragment): StatRow[] {
  const range =
    stats.min && stats.max
      ? stats.min === stats.max
        ? stats.min
        : `${stats.min}–${stats.max}`
      : '–';
  return [
    {
      label: 'Votes',
      value:
        stats.numeric === stats.voters
          ? String(stats.voters)
          : `${stats.voters} (${stats.numeric} with a number)`,
    },
    { label: 'Mean', value: formatNumber(stats.mean) },
    { label: 'Median', value: formatNumber(stats.median) },
    { label: 'Range', value: range },
    { label: 'Mode', value: stats.mode.length ? stats.mode.join(', ') : '–' },
    {
      label: 'Agreement',
      value: `${Math.round(Math.min(Math.max(stats.agreement, 0), 1) * 100)}%`,
    },
    { label: 'Consensus', value: stats.consensus ? 'Yes' : 'No' },
    { label: 'Suggested estimate', value: stats.suggestion ?? '–' },
  ];
}

/** The card the final-estimate field starts on: the suggestion if it is a card, else the first mode. */
export function preselectedEstimate(
  stats: Pick<VoteStatsFieldsFragment, 'suggestion' | 'mode'> | null | undefined,
  cards: readonly string[],
): string {
  const candidates = [stats?.suggestion, ...(stats?.mode ?? [])];
  for (const candidate of candidates) {
    if (candidate && cards.includes(candidate)) return candidate;
  }
  return cards[0] ?? '';
}

const STATUS_LABELS: Record<string, string> = {
  PENDING: 'Not voted yet',
  VOTING: 'Voting',
  REVEALED: 'Revealed',
  ESTIMATED: 'Estimated',
};

export function statusLabel(status: string): string {
  return Object.hasOwn(STATUS_LABELS, status) ? (STATUS_LABELS[status] ?? status) : status;
}

const ROLE_LABELS: Record<string, string> = {
  FACILITATOR: 'Facilitator',
  VOTER: 'Voter',
  SPECTATOR: 'Spectator',
};

export function roleLabel(role: string): string {
  return Object.hasOwn(ROLE_LABELS, role) ? (ROLE_LABELS[role] ?? role) : role;
}
