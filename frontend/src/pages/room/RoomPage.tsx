import {
  IssueDocument,
  JoinRoomDocument,
  RoomDocument,
  ViewerDocument,
  type RoomQuery,
} from '@generated/graphql';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useClient, useMutation, useQuery } from 'urql';
import { ErrorMessage, Loading, StatusMessage } from '../../components/Messages';
import { useToast } from '../../components/Toasts';
import {
  combinedErrorMessage,
  hasErrorCode,
  messageForCode,
  resultErrorMessage,
} from '../../graphql/errors';
import { useLiveConnection } from '../../graphql/GraphQLProvider';
import { roleLabel } from '../../lib/format';
import { defaultIssueId, nextIssueAfter } from '../../lib/rooms';
import { ImportJiraDialog } from './ImportJiraDialog';
import { IssuesRegion, type IssueListItem } from './IssuesRegion';
import { JiraSettingsDialog } from './JiraSettingsDialog';
import { MembersRegion } from './MembersRegion';
import { useRoomEvents, type RoomEvent } from './useRoomEvents';
import { VotingPanel } from './VotingPanel';

type Room = NonNullable<RoomQuery['room']>;

function JoinRoom({ roomId, onJoined }: { roomId: string; onJoined: () => void }) {
  const [result, join] = useMutation(JoinRoomDocument);
  const [error, setError] = useState<string | null>(null);

  async function onJoin(asSpectator: boolean) {
    setError(null);
    const response = await join({ roomId, asSpectator });
    const payload = response.data?.joinRoom;
    const message = resultErrorMessage(response.error, payload?.errors);
    if (message || !payload?.room) {
      setError(message ?? 'Joining did not work. Please try again.');
      return;
    }
    onJoined();
  }

  return (
    <section className="panel narrow" aria-labelledby="join-room-heading">
      <h1 id="join-room-heading">Join this room?</h1>
      <p>You opened a link to a room you are not a member of yet. Join to vote on its issues.</p>
      <ErrorMessage message={error} />
      <div className="actions">
        <button
          type="button"
          className="button button-primary"
          disabled={result.fetching}
          onClick={() => void onJoin(false)}
        >
          Join room
        </button>
        <button
          type="button"
          className="button"
          disabled={result.fetching}
          onClick={() => void onJoin(true)}
        >
          Join as spectator
        </button>
      </div>
      <p>
        <Link to="/">Back to your rooms</Link>
      </p>
    </section>
  );
}

function LiveIndicator({ ended, onRestart }: { ended: boolean; onRestart: () => void }) {
  const live = useLiveConnection();
  const status = useSyncExternalStore(live.subscribe, live.getStatus, live.getStatus);
  if (ended || status === 'stopped') {
    return (
      <div className="live live-off" role="status">
        Live updates stopped.{' '}
        <button type="button" className="button button-small" onClick={onRestart}>
          Reconnect
        </button>
      </div>
    );
  }
  const text =
    status === 'connected' ? 'Live' : status === 'reconnecting' ? 'Reconnecting…' : 'Connecting…';
  return (
    <p className={`live live-${status}`} role="status">
      {text}
    </p>
  );
}

/** The room's Jira buttons: import (facilitators) and settings (owner edits, others read). */
function JiraActions(props: {
  roomId: string;
  plan: string | null;
  canFacilitate: boolean;
  isOwner: boolean;
}) {
  if (!props.plan) return null;
  if (props.plan !== 'PREMIUM') {
    return <p className="meta jira-actions">Importing from Jira needs the Premium plan.</p>;
  }
  return (
    <div className="actions jira-actions">
      {props.canFacilitate ? <ImportJiraDialog roomId={props.roomId} /> : null}
      <JiraSettingsDialog roomId={props.roomId} canEdit={props.isOwner} />
    </div>
  );
}

function RoomView({ room, refetchRoom }: { room: Room; refetchRoom: () => void }) {
  const client = useClient();
  const live = useLiveConnection();
  const notify = useToast();
  const [params, setParams] = useSearchParams();
  const [{ data: viewerData }] = useQuery({ query: ViewerDocument });
  const viewerId = viewerData?.viewer?.id ?? null;
  const plan = viewerData?.viewer?.plan ?? null;
  const issues: readonly IssueListItem[] = room.issues;
  const picked = params.get('issue');
  const selectedId =
    picked && issues.some((issue) => issue.id === picked) ? picked : defaultIssueId(issues);
  const role = room.viewerRole ?? 'SPECTATOR';
  const canFacilitate = role === 'FACILITATOR';

  const select = useCallback(
    (issueId: string) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          next.set('issue', issueId);
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  const selectAndShow = useCallback(
    (issueId: string) => {
      select(issueId);
      // On a narrow screen the voting panel is below the list: bring it into view.
      requestAnimationFrame(() => {
        const panel = document.querySelector('.voting');
        if (panel && panel.getBoundingClientRect().top > window.innerHeight * 0.6) {
          panel.scrollIntoView({ block: 'start' });
        }
      });
    },
    [select],
  );

  // Re-read what events may have missed: the room, and the issue on the table.
  const resync = useCallback(() => {
    refetchRoom();
    if (selectedId) {
      void client
        .query(IssueDocument, { id: selectedId }, { requestPolicy: 'network-only' })
        .toPromise();
    }
  }, [client, refetchRoom, selectedId]);

  useEffect(() => live.onReconnected(resync), [live, resync]);

  // IssueUpdated may be a move: the server renumbers positions without telling, so re-read the
  // list order (debounced: an import sends one event per issue).
  const orderTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(
    () => () => {
      clearTimeout(orderTimer.current);
    },
    [],
  );

  // Follow the facilitator: a new round opening elsewhere puts that issue on the table.
  const rounds = useRef(new Map<string, number>());
  useEffect(() => {
    for (const issue of issues) {
      if (!rounds.current.has(issue.id)) rounds.current.set(issue.id, issue.round);
    }
  }, [issues]);

  const onEvent = useCallback(
    (event: RoomEvent) => {
      if (event.__typename === 'IssueUpdated') {
        clearTimeout(orderTimer.current);
        orderTimer.current = setTimeout(refetchRoom, 300);
      } else if (event.__typename === 'VotingUpdated') {
        const { issue } = event;
        const seen = rounds.current.get(issue.id);
        rounds.current.set(issue.id, issue.round);
        if (
          issue.status === 'VOTING' &&
          seen !== undefined &&
          issue.round > seen &&
          issue.id !== selectedId
        ) {
          select(issue.id);
        }
      } else if (event.__typename === 'MemberUpdated') {
        if (event.removed && event.membership.user.id === viewerId) {
          notify('You are no longer a member of this room.', { tone: 'error' });
          refetchRoom();
        }
      }
    },
    [notify, refetchRoom, select, selectedId, viewerId],
  );

  const [events, restart] = useRoomEvents(room.id, {
    onEvent,
    onResync: resync,
    onEnded: (code) => {
      if (code === 'FORBIDDEN') refetchRoom();
    },
  });

  const deck = useMemo(() => room.cards.map((card) => card.label), [room.cards]);

  return (
    <div className="page room">
      <div className="page-header">
        <div>
          <h1>{room.name}</h1>
          <p className="meta">
            You are a {roleLabel(role).toLowerCase()}
            {room.owner.id === viewerId ? ' (owner)' : ''} · Share this page’s link to invite
            people.
          </p>
        </div>
        <LiveIndicator
          ended={events.kind === 'ended'}
          onRestart={() => {
            resync();
            restart();
          }}
        />
      </div>
      <JiraActions
        roomId={room.id}
        plan={plan}
        canFacilitate={canFacilitate}
        isOwner={viewerId !== null && room.owner.id === viewerId}
      />
      {events.kind === 'ended' && events.code ? (
        <ErrorMessage message={messageForCode(events.code)} />
      ) : null}
      <div className="room-grid">
        <IssuesRegion
          roomId={room.id}
          issues={issues}
          selectedId={selectedId}
          onSelect={selectAndShow}
          canFacilitate={canFacilitate}
          canAdd={role !== 'SPECTATOR'}
        />
        <VotingPanel
          issueId={selectedId}
          deck={deck}
          role={role}
          viewerId={viewerId}
          memberships={room.memberships}
          nextIssueId={(afterId) => nextIssueAfter(issues, afterId)}
          onSelect={select}
        />
        <MembersRegion
          roomId={room.id}
          memberships={room.memberships}
          ownerId={room.owner.id}
          viewerId={viewerId}
          canFacilitate={canFacilitate}
        />
      </div>
    </div>
  );
}

export default function RoomPage() {
  const { roomId = '' } = useParams();
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: RoomDocument,
    variables: { id: roomId },
    pause: !roomId,
  });
  const refetchRoom = useCallback(() => {
    reexecute({ requestPolicy: 'network-only' });
  }, [reexecute]);
  const room = data?.room;

  if (hasErrorCode(error, 'FORBIDDEN') || (room && !room.viewerRole)) {
    return <JoinRoom roomId={roomId} onJoined={refetchRoom} />;
  }
  if (room) return <RoomView room={room} refetchRoom={refetchRoom} />;
  if (fetching || (!data && !error)) return <Loading label="Loading the room…" />;
  if (error) {
    return (
      <div className="panel narrow">
        <h1>Room</h1>
        <ErrorMessage message={combinedErrorMessage(error)}>
          <button type="button" className="button" onClick={refetchRoom}>
            Try again
          </button>
        </ErrorMessage>
      </div>
    );
  }
  return (
    <section className="panel narrow" aria-labelledby="no-room-heading">
      <h1 id="no-room-heading">Room not found</h1>
      <StatusMessage>
        No room has this link. It may have been deleted, or the link is incomplete.
      </StatusMessage>
      <p>
        <Link to="/">Back to your rooms</Link>
      </p>
    </section>
  );
}
