import type { RoomVoteFieldsFragment, VoteStatsFieldsFragment } from '@generated/graphql';
import { useId } from 'react';
import { statRows } from '../../lib/format';

export function displayName(user: { name?: string | null; email: string }): string {
  return user.name?.trim() || user.email;
}

/** The revealed round: its statistics and who voted what. */
export function Results({
  stats,
  votes,
  heading = 'Results',
}: {
  stats: VoteStatsFieldsFragment;
  votes: readonly RoomVoteFieldsFragment[];
  heading?: string;
}) {
  const headingId = useId();
  const cast = votes.filter((vote) => vote.hasVoted);
  return (
    <section aria-labelledby={headingId} className="results">
      <h3 id={headingId}>{heading}</h3>
      {stats.voters === 0 ? <p className="empty">Nobody voted in this round.</p> : null}
      <dl className="stats">
        {statRows(stats).map((row) => (
          <div key={row.label} className="stat">
            <dt>{row.label}</dt>
            <dd>{row.value}</dd>
          </div>
        ))}
      </dl>
      {cast.length > 0 ? (
        <ul className="vote-list" aria-label="Votes">
          {cast.map((vote) => (
            <li key={vote.user.id}>
              <span>{displayName(vote.user)}</span>{' '}
              <strong className="card-chip">{vote.value ?? '–'}</strong>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
