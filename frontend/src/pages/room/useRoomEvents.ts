import { RoomEventsDocument, type RoomEventsSubscription } from '@generated/graphql';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useClient } from 'urql';
import { onEnd, pipe, subscribe } from 'wonka';
import { errorCode } from '../../graphql/errors';

export type RoomEvent = RoomEventsSubscription['roomEvents'];

export type RoomEventsState =
  { kind: 'live' } | { kind: 'ended'; code: string | undefined; network: boolean };

interface Handlers {
  /** every event, after graphcache merged it */
  onEvent: (event: RoomEvent) => void;
  /** the server dropped us for falling behind (SLOW_SUBSCRIBER): refetch, we resubscribe */
  onResync: () => void;
  /** the subscription ended (removed from the room, an error, the server closed it) */
  onEnded: (code: string | undefined) => void;
}

/**
 * Subscribe to roomEvents(roomId). graphcache merges each event into the cache (see
 * graphql/cache.ts); the handlers do what the cache cannot: follow the facilitator, refetch
 * after a gap. On SLOW_SUBSCRIBER the room is refetched and the subscription starts again.
 */
export function useRoomEvents(roomId: string, handlers: Handlers): [RoomEventsState, () => void] {
  const client = useClient();
  const [epoch, setEpoch] = useState(0);
  const [state, setState] = useState<RoomEventsState>({ kind: 'live' });
  const handlersRef = useRef(handlers);
  useLayoutEffect(() => {
    handlersRef.current = handlers;
  });

  useEffect(() => {
    let active = true;
    setState({ kind: 'live' });
    const subscription = pipe(
      client.subscription(RoomEventsDocument, { roomId }, { requestPolicy: 'network-only' }),
      onEnd(() => {
        // the server ended it without an error (e.g. this member was removed)
        if (!active) return;
        active = false;
        setState({ kind: 'ended', code: undefined, network: false });
        handlersRef.current.onEnded(undefined);
      }),
      subscribe((result) => {
        if (!active) return;
        if (result.error) {
          const code = errorCode(result.error);
          active = false;
          if (code === 'SLOW_SUBSCRIBER') {
            handlersRef.current.onResync();
            setEpoch((value) => value + 1);
            return;
          }
          setState({ kind: 'ended', code, network: Boolean(result.error.networkError) });
          handlersRef.current.onEnded(code);
          return;
        }
        if (result.data?.roomEvents) handlersRef.current.onEvent(result.data.roomEvents);
      }),
    );
    return () => {
      active = false;
      subscription.unsubscribe();
    };
  }, [client, roomId, epoch]);

  const restart = () => {
    setEpoch((value) => value + 1);
  };
  return [state, restart];
}
