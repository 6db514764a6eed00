import {
  RoomDocument,
  type CompleteJiraConnectMutation,
  type CreateRoomMutation,
  type DisconnectJiraMutation,
  type JoinRoomMutation,
  type LeaveRoomMutation,
  type MoveIssueMutation,
  type AddIssueMutation,
  type RemoveIssueMutation,
  type RemoveMemberMutation,
  type RoomEventsSubscription,
  type RoomMemberFieldsFragment,
  type SelectJiraSiteMutation,
  type SetMemberRoleMutation,
} from '@generated/graphql';
import type { Cache, CacheExchangeOpts, KeyingConfig } from '@urql/exchange-graphcache';
import introspection from 'virtual:agilekit-schema';
import { indexSchema, keylessTypes } from './schema';

export const schemaIndex = indexSchema(introspection);

/**
 * Entities with an `id` are normalised by it (Room, Issue, User, JiraConnection, ...). Types
 * without one (VoteStats, DeckCard, VotingRound, RoomMember, Vote, UserError, JiraIssueLink,
 * JiraSite, RoomJiraMapping, payloads and events) are embedded in their parent.
 */
export const keys: KeyingConfig = Object.fromEntries(
  keylessTypes(schemaIndex).map((typename) => [typename, () => null]),
);

type RoomEvent = RoomEventsSubscription['roomEvents'];

function roomKey(cache: Cache, roomId: string): string | null {
  return cache.keyOfEntity({ __typename: 'Room', id: roomId });
}

function issueKey(cache: Cache, issueId: string): string | null {
  return cache.keyOfEntity({ __typename: 'Issue', id: issueId });
}

function linkList(cache: Cache, entityKey: string, field: string): string[] | null {
  const value = cache.resolve(entityKey, field);
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : null;
}

/** Room keys whose `issues` list the cache holds. */
function cachedRoomKeys(cache: Cache): string[] {
  const found = new Set<string>();
  for (const field of cache.inspectFields('Query')) {
    if (field.fieldName !== 'room') continue;
    const link = cache.resolve('Query', field.fieldKey);
    if (typeof link === 'string') found.add(link);
  }
  return [...found];
}

/** Append an issue to the end of the room's list (where addIssue and imports put it). */
export function appendIssue(cache: Cache, roomId: string, issueId: string): void {
  const room = roomKey(cache, roomId);
  const issue = issueKey(cache, issueId);
  if (!room || !issue) return;
  const issues = linkList(cache, room, 'issues');
  if (!issues || issues.includes(issue)) return;
  cache.link(room, 'issues', [...issues, issue]);
}

/** Take an issue out of its room's list, and answer `issue(id)` with null from now on. */
export function removeIssue(cache: Cache, issueId: string, roomId?: string): void {
  const issue = issueKey(cache, issueId);
  if (!issue) return;
  const rooms = roomId ? [roomKey(cache, roomId)] : cachedRoomKeys(cache);
  for (const room of rooms) {
    if (!room) continue;
    const issues = linkList(cache, room, 'issues');
    if (issues?.includes(issue)) {
      cache.link(
        room,
        'issues',
        issues.filter((key) => key !== issue),
      );
    }
  }
  cache.link('Query', 'issue', { id: issueId }, null);
}

/** moveIssue as the server does it: out of the list, back in at `position` (1 is the top). */
export function moveIssue(cache: Cache, issueId: string, position: number): void {
  const issue = issueKey(cache, issueId);
  if (!issue) return;
  for (const room of cachedRoomKeys(cache)) {
    const issues = linkList(cache, room, 'issues');
    if (!issues?.includes(issue)) continue;
    const others = issues.filter((key) => key !== issue);
    const at = Math.min(Math.max(position, 1), others.length + 1) - 1;
    others.splice(at, 0, issue);
    cache.link(room, 'issues', others);
  }
}

function viewerId(cache: Cache): string | null {
  const viewer = cache.resolve('Query', 'viewer');
  if (typeof viewer !== 'string') return null;
  const id = cache.resolve(viewer, 'id');
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}

/**
 * A member joined, changed role, went on- or offline, or left: RoomMember has no id, so the
 * room's embedded `memberships` list is rewritten (and `viewerRole`, when it is the viewer).
 */
export function upsertMembership(
  cache: Cache,
  roomId: string,
  membership: RoomMemberFieldsFragment,
  removed: boolean,
): void {
  const viewer = viewerId(cache);
  cache.updateQuery({ query: RoomDocument, variables: { id: roomId } }, (data) => {
    if (!data?.room) return null;
    const room = data.room;
    const userId = membership.user.id;
    const index = room.memberships.findIndex((member) => member.user.id === userId);
    let memberships = room.memberships;
    if (removed) {
      memberships = memberships.filter((member) => member.user.id !== userId);
    } else if (index >= 0) {
      memberships = memberships.map((member, at) => (at === index ? membership : member));
    } else {
      memberships = [...memberships, membership];
    }
    const viewerRole = userId === viewer ? (removed ? null : membership.role) : room.viewerRole;
    return { ...data, room: { ...room, memberships, viewerRole } };
  });
}

function addToMyRooms(cache: Cache, roomId: string): void {
  const room = roomKey(cache, roomId);
  const rooms = linkList(cache, 'Query', 'myRooms');
  if (!room || !rooms || rooms.includes(room)) return;
  cache.link('Query', 'myRooms', [...rooms, room]);
}

function removeFromMyRooms(cache: Cache, roomId: string): void {
  const room = roomKey(cache, roomId);
  const rooms = linkList(cache, 'Query', 'myRooms');
  if (!room || !rooms?.includes(room)) return;
  cache.link(
    'Query',
    'myRooms',
    rooms.filter((key) => key !== room),
  );
}

/** Merge one roomEvents event; the issue and room in it are normalised by graphcache itself. */
export function mergeRoomEvent(cache: Cache, roomId: string, event: RoomEvent): void {
  switch (event.__typename) {
    case 'IssueAdded':
      appendIssue(cache, roomId, event.issue.id);
      break;
    case 'IssueRemoved':
      removeIssue(cache, event.issueId, roomId);
      break;
    case 'MemberUpdated':
      upsertMembership(cache, roomId, event.membership, event.removed);
      if (event.removed && event.membership.user.id === viewerId(cache)) {
        removeFromMyRooms(cache, roomId);
      }
      break;
    case 'RoomJiraMappingUpdated':
      cache.invalidate({ __typename: 'Room', id: roomId }, 'jiraMapping');
      break;
    default:
      // IssueUpdated, VotingUpdated, EstimatePushUpdated, RoomUpdated: normalised by id.
      break;
  }
}

const str = (value: unknown): string => (typeof value === 'string' ? value : String(value));

export const updates: NonNullable<CacheExchangeOpts['updates']> = {
  Subscription: {
    roomEvents(result, args, cache) {
      const event = (result as RoomEventsSubscription).roomEvents as RoomEvent | null | undefined;
      if (event) mergeRoomEvent(cache, str(args.roomId), event);
    },
  },
  Mutation: {
    createRoom(result, _args, cache) {
      const room = (result as CreateRoomMutation).createRoom.room;
      if (room) addToMyRooms(cache, room.id);
    },
    joinRoom(result, _args, cache) {
      const room = (result as JoinRoomMutation).joinRoom.room;
      if (room) addToMyRooms(cache, room.id);
    },
    leaveRoom(result, args, cache) {
      const { membership } = (result as LeaveRoomMutation).leaveRoom;
      if (!membership) return;
      upsertMembership(cache, str(args.roomId), membership, true);
      removeFromMyRooms(cache, str(args.roomId));
    },
    setMemberRole(result, args, cache) {
      const { membership } = (result as SetMemberRoleMutation).setMemberRole;
      if (membership) upsertMembership(cache, str(args.roomId), membership, false);
    },
    removeMember(result, args, cache) {
      const { membership } = (result as RemoveMemberMutation).removeMember;
      if (membership) upsertMembership(cache, str(args.roomId), membership, true);
    },
    addIssue(result, args, cache) {
      const { issue } = (result as AddIssueMutation).addIssue;
      const input = args.input as { roomId?: unknown } | undefined;
      if (issue && input?.roomId !== undefined) appendIssue(cache, str(input.roomId), issue.id);
    },
    removeIssue(result, _args, cache) {
      const { issueId } = (result as RemoveIssueMutation).removeIssue;
      if (issueId) removeIssue(cache, issueId);
    },
    moveIssue(result, _args, cache) {
      const { issue } = (result as MoveIssueMutation).moveIssue;
      if (issue) moveIssue(cache, issue.id, issue.position);
    },
    completeJiraConnect(result, _args, cache) {
      const { connection } = (result as CompleteJiraConnectMutation).completeJiraConnect;
      if (connection)
        cache.link('Query', 'jiraConnection', { __typename: 'JiraConnection', id: connection.id });
    },
    selectJiraSite(result, _args, cache) {
      const { connection } = (result as SelectJiraSiteMutation).selectJiraSite;
      if (connection)
        cache.link('Query', 'jiraConnection', { __typename: 'JiraConnection', id: connection.id });
    },
    disconnectJira(result, _args, cache) {
      if ((result as DisconnectJiraMutation).disconnectJira.disconnected) {
        cache.link('Query', 'jiraConnection', null);
      }
    },
  },
};

export function cacheOptions(): CacheExchangeOpts {
  return { schema: introspection, keys, updates };
}
