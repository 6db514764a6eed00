import { RoomDocument, RoomEventsDocument } from '@generated/graphql';
import { formatDocument } from '@urql/core';
import { describe, expect, it } from 'vitest';
import { schemaIndex } from './cache';
import { keylessTypes } from './schema';
import { addTypenames } from './typenames';

describe('addTypenames', () => {
  it('gives every object of a trusted-document response its __typename', () => {
    const data = {
      room: {
        id: 'r1',
        name: 'Sprint 12',
        cards: [{ label: '1', value: 1 }],
        owner: { id: 'u1', name: 'Ada' },
        memberships: [{ role: 'FACILITATOR', user: { id: 'u1', name: 'Ada', email: 'a@x' } }],
        issues: [{ id: 'i1', title: 'Login' }],
      },
    };
    addTypenames(data, formatDocument(RoomDocument), schemaIndex);
    expect(data).toMatchObject({
      room: {
        __typename: 'Room',
        cards: [{ __typename: 'DeckCard' }],
        owner: { __typename: 'User' },
        memberships: [{ __typename: 'RoomMember', user: { __typename: 'User' } }],
        issues: [{ __typename: 'Issue' }],
      },
    });
    expect(data).not.toHaveProperty('__typename');
  });

  it('follows the union member the server named', () => {
    const data = {
      roomEvents: {
        __typename: 'VotingUpdated',
        at: '2025-01-01T00:00:00',
        issue: { id: 'i1', votes: [{ hasVoted: true, user: { id: 'u1' } }], stats: null },
      },
    };
    addTypenames(data, formatDocument(RoomEventsDocument), schemaIndex);
    expect(data.roomEvents.issue).toMatchObject({
      __typename: 'Issue',
      votes: [{ __typename: 'Vote', user: { __typename: 'User' } }],
    });
  });

  it('leaves nulls, and what the server already typed, alone', () => {
    const data = { room: null };
    addTypenames(data, formatDocument(RoomDocument), schemaIndex);
    expect(data).toEqual({ room: null });
    addTypenames(null, formatDocument(RoomDocument), schemaIndex);
  });
});

describe('keylessTypes', () => {
  it('embeds the types without an id', () => {
    const keyless = keylessTypes(schemaIndex);
    for (const name of [
      'VoteStats',
      'DeckCard',
      'VotingRound',
      'RoomMember',
      'UserError',
      'JiraIssueLink',
      'Vote',
    ]) {
      expect(keyless).toContain(name);
    }
    for (const name of [
      'Room',
      'Issue',
      'User',
      'JiraConnection',
      'Query',
      'Mutation',
      'Subscription',
    ]) {
      expect(keyless).not.toContain(name);
    }
  });
});
