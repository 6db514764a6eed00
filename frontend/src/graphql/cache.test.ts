import {
  AddIssueDocument,
  IssueDocument,
  MoveIssueDocument,
  MyRoomsDocument,
  RoomDocument,
  RoomEventsDocument,
  SetMemberRoleDocument,
  ViewerDocument,
} from '@generated/graphql';
import { makeResult, type Client, type OperationResult } from '@urql/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeSubject, pipe, subscribe } from 'wonka';
import { mockClient } from '../test/mockClient';
import { cachingExchanges } from './client';

// Server responses as trusted documents give them: without __typename.
const member = (id: string, role: string, online = true) => ({
  role,
  online,
  joinedAt: '2025-01-01T10:00:00',
  user: { id, name: `User ${id}`, email: `${id}@example.com` },
});

const issue = (id: string, position: number, status = 'PENDING', round = 0) => ({
  id,
  title: `Issue ${id}`,
  description: null,
  status,
  finalEstimate: null,
  position,
  round,
  votingEndsAt: null,
  jiraLink: null,
});

const withVotes = (base: ReturnType<typeof issue>) => ({ ...base, votes: [], stats: null });

const roomData = {
  room: {
    id: 'r1',
    name: 'Sprint 12',
    deck: ['1', '2', '3'],
    cards: [
      { label: '1', value: 1 },
      { label: '2', value: 2 },
      { label: '3', value: 3 },
    ],
    autoReveal: false,
    defaultVotingSeconds: null,
    createdAt: '2025-01-01T10:00:00',
    viewerRole: 'VOTER',
    owner: { id: 'u1', name: 'User u1' },
    memberships: [member('u1', 'FACILITATOR'), member('u2', 'VOTER')],
    issues: [issue('i1', 1), issue('i2', 2)],
  },
};

interface Harness {
  client: Client;
  emit: (event: Record<string, unknown>) => void;
  room: () => (typeof roomData)['room'] | null | undefined;
}

function setUp(): Harness {
  const events = makeSubject<OperationResult>();
  let subscriptionOperation: Parameters<typeof makeResult>[0] | undefined;
  const client = mockClient((operation, name) => {
    switch (name) {
      case 'Room':
        return { data: structuredClone(roomData) };
      case 'Viewer':
        return {
          data: { viewer: { id: 'u2', email: 'u2@example.com', name: 'User u2', plan: 'FREE' } },
        };
      case 'MyRooms':
        return {
          data: { myRooms: [{ id: 'r1', name: 'Sprint 12', createdAt: '2025-01-01T10:00:00' }] },
        };
      case 'RoomEvents':
        subscriptionOperation = operation;
        return events.source;
      case 'AddIssue':
        return { data: { addIssue: { issue: issue('i3', 3), errors: [] } } };
      case 'MoveIssue':
        return { data: { moveIssue: { issue: issue('i2', 1), errors: [] } } };
      case 'SetMemberRole':
        return {
          data: { setMemberRole: { membership: member('u2', 'SPECTATOR'), errors: [] } },
        };
      case 'Issue':
        return { data: { issue: { ...withVotes(issue('i1', 1)), rounds: [] } } };
      default:
        return undefined;
    }
  }, cachingExchanges());
  pipe(
    client.subscription(RoomEventsDocument, { roomId: 'r1' }),
    subscribe(() => undefined),
  );
  return {
    client,
    emit: (event) => {
      if (!subscriptionOperation) throw new Error('not subscribed');
      events.next(makeResult(subscriptionOperation, { data: { roomEvents: event } }));
    },
    room: () => client.readQuery(RoomDocument, { id: 'r1' })?.data?.room as never,
  };
}

describe('graphcache: room events merge into the cache', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = setUp();
    await harness.client.query(ViewerDocument, {}).toPromise();
    await harness.client.query(MyRoomsDocument, {}).toPromise();
    await harness.client.query(RoomDocument, { id: 'r1' }).toPromise();
  });

  it('appends an added issue once (event and mutation both)', async () => {
    harness.emit({ __typename: 'IssueAdded', at: 'now', issue: withVotes(issue('i3', 3)) });
    expect(harness.room()?.issues.map((item) => item.id)).toEqual(['i1', 'i2', 'i3']);
    await harness.client
      .mutation(AddIssueDocument, { roomId: 'r1', title: 'Issue i3' })
      .toPromise();
    expect(harness.room()?.issues.map((item) => item.id)).toEqual(['i1', 'i2', 'i3']);
  });

  it('removes a removed issue and answers issue(id) with null', async () => {
    await harness.client.query(IssueDocument, { id: 'i1' }).toPromise();
    harness.emit({ __typename: 'IssueRemoved', at: 'now', issueId: 'i1' });
    expect(harness.room()?.issues.map((item) => item.id)).toEqual(['i2']);
    expect(harness.client.readQuery(IssueDocument, { id: 'i1' })?.data?.issue).toBeNull();
  });

  it('updates an issue in place from VotingUpdated (normalised by id)', () => {
    harness.emit({
      __typename: 'VotingUpdated',
      at: 'now',
      issue: { ...withVotes(issue('i2', 2, 'VOTING', 1)), votingEndsAt: '2030-01-01T00:00:00' },
    });
    const updated = harness.room()?.issues.find((item) => item.id === 'i2');
    expect(updated).toMatchObject({
      status: 'VOTING',
      round: 1,
      votingEndsAt: '2030-01-01T00:00:00',
    });
  });

  it('adds, updates and removes members (RoomMember is embedded), and the viewer’s role', () => {
    harness.emit({
      __typename: 'MemberUpdated',
      at: 'now',
      removed: false,
      membership: member('u3', 'VOTER'),
    });
    expect(harness.room()?.memberships.map((item) => item.user.id)).toEqual(['u1', 'u2', 'u3']);

    harness.emit({
      __typename: 'MemberUpdated',
      at: 'now',
      removed: false,
      membership: member('u1', 'FACILITATOR', false),
    });
    expect(harness.room()?.memberships[0]).toMatchObject({ online: false });

    harness.emit({
      __typename: 'MemberUpdated',
      at: 'now',
      removed: false,
      membership: member('u2', 'FACILITATOR'),
    });
    expect(harness.room()?.viewerRole).toBe('FACILITATOR');

    harness.emit({
      __typename: 'MemberUpdated',
      at: 'now',
      removed: true,
      membership: member('u3', 'VOTER'),
    });
    expect(harness.room()?.memberships.map((item) => item.user.id)).toEqual(['u1', 'u2']);
  });

  it('drops the room from myRooms when the viewer is removed', () => {
    harness.emit({
      __typename: 'MemberUpdated',
      at: 'now',
      removed: true,
      membership: member('u2', 'VOTER'),
    });
    expect(harness.room()?.viewerRole).toBeNull();
    expect(harness.client.readQuery(MyRoomsDocument, {})?.data?.myRooms).toEqual([]);
  });

  it('applies RoomUpdated to the room entity', () => {
    const { issues: _issues, ...fields } = roomData.room;
    harness.emit({ __typename: 'RoomUpdated', at: 'now', room: { ...fields, name: 'Sprint 13' } });
    expect(harness.room()?.name).toBe('Sprint 13');
    expect(harness.client.readQuery(MyRoomsDocument, {})?.data?.myRooms[0]?.name).toBe('Sprint 13');
  });

  it('reorders the list after moveIssue like the server does', async () => {
    await harness.client.mutation(MoveIssueDocument, { issueId: 'i2', position: 1 }).toPromise();
    expect(harness.room()?.issues.map((item) => item.id)).toEqual(['i2', 'i1']);
  });

  it('rewrites a membership after setMemberRole', async () => {
    await harness.client
      .mutation(SetMemberRoleDocument, { roomId: 'r1', userId: 'u2', role: 'SPECTATOR' })
      .toPromise();
    expect(harness.room()?.memberships[1]).toMatchObject({ role: 'SPECTATOR' });
    expect(harness.room()?.viewerRole).toBe('SPECTATOR');
  });
});
