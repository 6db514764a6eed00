import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { Provider } from 'urql';
import { useAuth } from '../auth/AuthContext';
import { authStore } from '../auth/store';
import { createAppClient, type AppClient } from './client';
import { LiveConnection } from './live';

const LiveContext = createContext<LiveConnection>(new LiveConnection());

/** The websocket state of the current client (for the "Live" indicator and reconnect refetches). */
export function useLiveConnection(): LiveConnection {
  return useContext(LiveContext);
}

/**
 * One urql client (and cache, and websocket) per token: signing in as someone else never shows
 * the previous user's cached data, and the websocket authenticates afresh.
 */
export function GraphQLProvider({ children }: { children: ReactNode }) {
  const { token } = useAuth();
  const [current, setCurrent] = useState<{ token: string | null; app: AppClient } | null>(null);

  useEffect(() => {
    const app = createAppClient({
      token,
      getToken: authStore.getToken,
      onUnauthenticated: (refused) => {
        authStore.expire(refused);
      },
    });
    setCurrent({ token, app });
    return () => {
      app.dispose();
    };
  }, [token]);

  const app = current?.token === token ? current.app : null;
  if (!app) return null;
  return (
    <LiveContext.Provider value={app.live}>
      <Provider value={app.client}>{children}</Provider>
    </LiveContext.Provider>
  );
}
