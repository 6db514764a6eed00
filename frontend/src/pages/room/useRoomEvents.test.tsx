import { makeResult } from '@urql/core';
import { renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import { fromValue, never } from 'wonka';
import { mockClient } from '../../test/mockClient';
import { useRoomEvents } from './useRoomEvents';

describe('useRoomEvents', () => {
  it('refetches and subscribes again after SLOW_SUBSCRIBER', async () => {
    let subscriptions = 0;
    const client = mockClient((operation, name) => {
      if (name !== 'RoomEvents') return undefined;
      subscriptions += 1;
      if (subscriptions === 1) {
        return fromValue(
          makeResult(operation, {
            data: null,
            errors: [{ message: 'too slow', extensions: { code: 'SLOW_SUBSCRIBER' } }],
          }),
        );
      }
      return never;
    });
    const handlers = { onEvent: vi.fn(), onResync: vi.fn(), onEnded: vi.fn() };
    const wrapper = ({ children }: { children: ReactNode }) => (
      <Provider value={client}>{children}</Provider>
    );
    const { result } = renderHook(() => useRoomEvents('r1', handlers), { wrapper });
    await waitFor(() => {
      expect(subscriptions).toBe(2);
    });
    expect(handlers.onResync).toHaveBeenCalledTimes(1);
    expect(handlers.onEnded).not.toHaveBeenCalled();
    expect(result.current[0]).toEqual({ kind: 'live' });
  });

  it('reports an ended subscription (e.g. removed from the room)', async () => {
    const client = mockClient((operation, name) =>
      name === 'RoomEvents'
        ? fromValue(
            makeResult(operation, {
              data: null,
              errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }],
            }),
          )
        : undefined,
    );
    const handlers = { onEvent: vi.fn(), onResync: vi.fn(), onEnded: vi.fn() };
    const wrapper = ({ children }: { children: ReactNode }) => (
      <Provider value={client}>{children}</Provider>
    );
    const { result } = renderHook(() => useRoomEvents('r1', handlers), { wrapper });
    await waitFor(() => {
      expect(result.current[0]).toEqual({ kind: 'ended', code: 'FORBIDDEN', network: false });
    });
    expect(handlers.onEnded).toHaveBeenCalledWith('FORBIDDEN');
  });

  it('hands every event to onEvent', async () => {
    const event = { __typename: 'IssueRemoved', at: 'now', issueId: 'i1' };
    const client = mockClient((operation, name) =>
      name === 'RoomEvents'
        ? fromValue(makeResult(operation, { data: { roomEvents: event } }))
        : undefined,
    );
    const handlers = { onEvent: vi.fn(), onResync: vi.fn(), onEnded: vi.fn() };
    const wrapper = ({ children }: { children: ReactNode }) => (
      <Provider value={client}>{children}</Provider>
    );
    renderHook(() => useRoomEvents('r1', handlers), { wrapper });
    await waitFor(() => {
      expect(handlers.onEvent).toHaveBeenCalledWith(event);
    });
  });
});
