import {
  CastVoteDocument,
  CompleteIssueVotingDocument,
  IssueDocument,
  RevealVotesDocument,
  RevoteIssueDocument,
  StartVotingDocument,
  type IssueQuery,
  type RoomMemberFieldsFragment,
  type RoomRole,
} from '@generated/graphql';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useMutation, useQuery, type CombinedError } from 'urql';
import { ErrorMessage, Loading, StatusMessage } from '../../components/Messages';
import { useToast } from '../../components/Toasts';
import { combinedErrorMessage, resultErrorMessage, type UserErrorLike } from '../../graphql/errors';
import { preselectedEstimate, statusLabel } from '../../lib/format';
import { Countdown } from './Countdown';
import { displayName, Results } from './Results';
import { VoteCards } from './VoteCards';

type Issue = NonNullable<IssueQuery['issue']>;

const TIMER_CHOICES: readonly { value: string; label: string }[] = [
  { value: '', label: 'Room default' },
  { value: '30', label: '30 seconds' },
  { value: '60', label: '1 minute' },
  { value: '120', label: '2 minutes' },
  { value: '300', label: '5 minutes' },
];

interface MutationOutcome {
  error?: CombinedError | undefined;
  errors?: readonly UserErrorLike[] | null | undefined;
}

function FinalEstimateForm({
  issue,
  deck,
  busy,
  onSave,
}: {
  issue: Issue;
  deck: readonly string[];
  busy: boolean;
  onSave: (estimate: string, andFinish: boolean) => Promise<void>;
}) {
  const [estimate, setEstimate] = useState(() => preselectedEstimate(issue.stats, deck));
  const selectId = useId();
  return (
    <form
      className="form inline-form final-estimate"
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        void onSave(estimate, false);
      }}
    >
      <div className="field">
        <label htmlFor={selectId}>Final estimate</label>
        <select
          id={selectId}
          value={estimate}
          onChange={(event) => {
            setEstimate(event.target.value);
          }}
        >
          {deck.map((card) => (
            <option key={card} value={card}>
              {card}
              {card === issue.stats?.suggestion ? ' (suggested)' : ''}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="button" disabled={busy}>
        Save estimate
      </button>
      <button
        type="button"
        className="button button-primary"
        disabled={busy}
        onClick={() => void onSave(estimate, true)}
      >
        Finish
      </button>
    </form>
  );
}

export function VotingPanel({
  issueId,
  deck,
  role,
  viewerId,
  memberships,
  nextIssueId,
  onSelect,
}: {
  issueId: string | null;
  deck: readonly string[];
  role: RoomRole;
  viewerId: string | null;
  memberships: readonly RoomMemberFieldsFragment[];
  nextIssueId: (afterId: string) => string | null;
  onSelect: (issueId: string) => void;
}) {
  const headingId = useId();
  const timerId = useId();
  const notify = useToast();
  const [{ data, fetching, error }, refetchIssue] = useQuery({
    query: IssueDocument,
    variables: { id: issueId ?? '' },
    pause: !issueId,
  });
  const [startState, startVoting] = useMutation(StartVotingDocument);
  const [voteState, castVote] = useMutation(CastVoteDocument);
  const [revealState, reveal] = useMutation(RevealVotesDocument);
  const [revoteState, revote] = useMutation(RevoteIssueDocument);
  const [completeState, complete] = useMutation(CompleteIssueVotingDocument);
  const [actionError, setActionError] = useState<string | null>(null);
  const [timer, setTimer] = useState('');
  const [pendingVote, setPendingVote] = useState<string | null>(null);
  const issue = issueId ? data?.issue : undefined;

  // Rounds kept by a re-vote are not in the events: read them again when the round changes.
  const lastRound = useRef<{ id: string; round: number } | null>(null);
  useEffect(() => {
    if (!issue) return;
    const previous = lastRound.current;
    lastRound.current = { id: issue.id, round: issue.round };
    if (previous?.id === issue.id && previous.round !== issue.round) {
      refetchIssue({ requestPolicy: 'network-only' });
    }
  }, [issue, refetchIssue]);

  useEffect(() => {
    setActionError(null);
    setPendingVote(null);
  }, [issueId]);

  if (!issueId) {
    return (
      <section aria-labelledby={headingId} className="card voting">
        <h2 id={headingId}>Voting</h2>
        <p className="empty">Select an issue in the list to vote on it.</p>
      </section>
    );
  }

  const facilitator = role === 'FACILITATOR';
  const canVote = role !== 'SPECTATOR';
  const busy =
    startState.fetching || revealState.fetching || revoteState.fetching || completeState.fetching;

  function report(outcome: MutationOutcome): boolean {
    const message = resultErrorMessage(outcome.error, outcome.errors);
    setActionError(message);
    return !message;
  }

  async function onStart() {
    if (!issueId) return;
    const seconds = timer ? Number(timer) : null;
    const response = await startVoting({ issueId, seconds });
    report({ error: response.error, errors: response.data?.startVoting.errors });
  }

  async function onVote(card: string) {
    if (!issueId) return;
    setPendingVote(card);
    const response = await castVote({ issueId, value: card });
    setPendingVote(null);
    report({ error: response.error, errors: response.data?.castVote.errors });
  }

  async function onReveal() {
    if (!issueId) return;
    const response = await reveal({ issueId });
    report({ error: response.error, errors: response.data?.revealVotes.errors });
  }

  async function onRevote() {
    if (!issueId) return;
    const response = await revote({ issueId });
    report({ error: response.error, errors: response.data?.revoteIssue.errors });
  }

  async function onSave(estimate: string, andFinish: boolean) {
    if (!issueId) return;
    const response = await complete({ issueId, finalEstimate: estimate });
    if (!report({ error: response.error, errors: response.data?.completeIssueVoting.errors }))
      return;
    notify(`Estimate saved: ${estimate}`, { tone: 'success' });
    if (andFinish) {
      const next = nextIssueId(issueId);
      if (next) onSelect(next);
    }
  }

  if (!issue) {
    return (
      <section aria-labelledby={headingId} className="card voting">
        <h2 id={headingId}>Voting</h2>
        {fetching ? <Loading label="Loading the issue…" /> : null}
        <ErrorMessage message={combinedErrorMessage(error)} />
        {!fetching && !error ? <p className="empty">This issue no longer exists.</p> : null}
      </section>
    );
  }

  const ownVote = issue.votes.find((vote) => vote.user.id === viewerId)?.value ?? null;
  const voters = memberships.filter((member) => member.role !== 'SPECTATOR');
  const votedIds = new Set(issue.votes.filter((vote) => vote.hasVoted).map((vote) => vote.user.id));
  const votedCount = voters.filter((member) => votedIds.has(member.user.id)).length;

  return (
    <section aria-labelledby={headingId} className="card voting">
      <h2 id={headingId}>Voting: {issue.title}</h2>
      {issue.description ? <p className="description">{issue.description}</p> : null}
      <p className="meta">
        {statusLabel(issue.status)}
        {issue.round > 0 ? `, round ${issue.round}` : ''}
        {issue.status === 'ESTIMATED' && issue.finalEstimate
          ? ` — final estimate ${issue.finalEstimate}`
          : ''}
      </p>

      {issue.status === 'VOTING' && issue.votingEndsAt ? (
        <Countdown endsAt={issue.votingEndsAt} />
      ) : null}

      {facilitator ? (
        <div className="actions facilitator-actions">
          {issue.status !== 'VOTING' ? (
            <>
              <div className="field field-inline">
                <label htmlFor={timerId}>Timer</label>
                <select
                  id={timerId}
                  value={timer}
                  onChange={(event) => {
                    setTimer(event.target.value);
                  }}
                >
                  {TIMER_CHOICES.map((choice) => (
                    <option key={choice.value} value={choice.value}>
                      {choice.label}
                    </option>
                  ))}
                </select>
              </div>
              <button
                type="button"
                className="button button-primary"
                disabled={busy}
                onClick={() => void onStart()}
              >
                Start voting
              </button>
            </>
          ) : (
            <button
              type="button"
              className="button button-primary"
              disabled={busy}
              onClick={() => void onReveal()}
            >
              Reveal
            </button>
          )}
          {issue.status === 'REVEALED' ? (
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() => void onRevote()}
            >
              Re-vote
            </button>
          ) : null}
        </div>
      ) : null}

      {issue.status === 'VOTING' ? (
        <>
          {canVote ? (
            <VoteCards
              cards={deck}
              selected={pendingVote ?? ownVote}
              disabled={voteState.fetching}
              onVote={(card) => void onVote(card)}
            />
          ) : (
            <p className="hint">You are watching as a spectator.</p>
          )}
          <StatusMessage>
            {votedCount} of {voters.length} voted
          </StatusMessage>
          <ul className="voter-list" aria-label="Who has voted">
            {voters.map((member) => (
              <li key={member.user.id}>
                {displayName(member.user)}: {votedIds.has(member.user.id) ? 'voted' : 'not yet'}
              </li>
            ))}
          </ul>
        </>
      ) : null}

      {issue.status === 'PENDING' && !facilitator ? (
        <p className="hint">Waiting for a facilitator to start voting.</p>
      ) : null}

      {(issue.status === 'REVEALED' || issue.status === 'ESTIMATED') && issue.stats ? (
        <Results stats={issue.stats} votes={issue.votes} />
      ) : null}

      {issue.status === 'REVEALED' && facilitator ? (
        <FinalEstimateForm
          key={`${issue.id}:${String(issue.round)}:${issue.stats?.suggestion ?? ''}`}
          issue={issue}
          deck={deck}
          busy={busy}
          onSave={onSave}
        />
      ) : null}

      <ErrorMessage message={actionError} />

      {issue.rounds.length > 0 ? (
        <details className="rounds">
          <summary>Earlier rounds ({issue.rounds.length})</summary>
          {issue.rounds.map((round) => (
            <Results
              key={round.round}
              heading={`Round ${String(round.round)}`}
              stats={round.stats}
              votes={round.votes}
            />
          ))}
        </details>
      ) : null}
    </section>
  );
}
