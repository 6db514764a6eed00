import type { DeckCardInput } from '@generated/graphql';

const ID_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

/** The room id in a shared room link (…/rooms/<id>) or a bare id; null when there is none. */
export function roomIdFromInput(input: string): string | null {
  const text = input.trim();
  if (!text) return null;
  const match = /\/rooms\/([^/?#\s]+)/.exec(text);
  const candidate = match?.[1] ? decodeURIComponent(match[1]) : text;
  return ID_SHAPE.test(candidate) ? candidate : null;
}

export interface DeckChoice {
  id: string;
  label: string;
  /** null: the server's default deck (0 1 2 3 5 8 13 21 ? ☕) */
  cards: DeckCardInput[] | null;
}

export const DECKS: readonly DeckChoice[] = [
  { id: 'fibonacci', label: 'Fibonacci (0 1 2 3 5 8 13 21 ? ☕)', cards: null },
  {
    id: 'tshirt',
    label: 'T-shirt sizes (XS S M L XL ?)',
    cards: [
      { label: 'XS', value: 1 },
      { label: 'S', value: 2 },
      { label: 'M', value: 3 },
      { label: 'L', value: 5 },
      { label: 'XL', value: 8 },
      { label: '?', value: null },
    ],
  },
];

/** Whether a URL is safe to put in an href (http or https only). */
export function isHttpUrl(value: string | null | undefined): value is string {
  if (!value) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** A form field's text, trimmed ('' when absent or a file). */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

interface IssueRef {
  id: string;
  status: string;
}

/** The issue on the table when none was picked: one being voted on, else one revealed. */
export function defaultIssueId(issues: readonly IssueRef[]): string | null {
  return (
    issues.find((issue) => issue.status === 'VOTING')?.id ??
    issues.find((issue) => issue.status === 'REVEALED')?.id ??
    null
  );
}

/** The issue after `afterId` still to estimate (wrapping round), for "Finish". */
export function nextIssueAfter(issues: readonly IssueRef[], afterId: string): string | null {
  const start = issues.findIndex((issue) => issue.id === afterId);
  for (let step = 1; step < issues.length; step++) {
    const issue = issues[(start + step) % issues.length];
    if (issue && issue.status !== 'ESTIMATED') return issue.id;
  }
  return null;
}
