import { Client, mapExchange, subscriptionExchange, type Exchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { cacheOptions, schemaIndex } from './cache';
import { hasErrorCode } from './errors';
import { LiveConnection } from './live';
import { dropQueryForDocumentId, trustedBody, trustedFetchExchange } from './trusted';
import { addTypenames } from './typenames';

export const GRAPHQL_PATH = '/graphql';

/** Close codes after which reconnecting with the same token cannot help. */
const AUTH_CLOSE_CODES = new Set([4401, 4403]);
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403, 4406, 4409, 4429, 1009]);

const isCloseEvent = (value: unknown): value is { code: number } =>
  typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number';

/** Exponential backoff with jitter: ~1 s, 2 s, 4 s … capped at 30 s. */
export function retryDelay(retries: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(retries, 5));
  return Math.round(base / 2 + (random() * base) / 2);
}

export function websocketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${GRAPHQL_PATH}`;
}

/**
 * Where the API is: the app's own origin (served by `agilekit serve`), or the origin the build
 * was given in VITE_AGILEKIT_API_URL when the app lives elsewhere (the API then lists the app's
 * origin in APP_URL and CORS_ORIGINS).
 */
export function apiEndpoints(
  apiUrl: string | undefined,
  location: Pick<Location, 'protocol' | 'host'>,
): { url: string; wsUrl: string } {
  const base = apiUrl?.trim();
  if (!base) return { url: GRAPHQL_PATH, wsUrl: websocketUrl(location) };
  const api = new URL(base);
  if (api.protocol !== 'http:' && api.protocol !== 'https:') {
    throw new Error(`VITE_AGILEKIT_API_URL must be an http(s) URL, not ${base}`);
  }
  return {
    url: `${api.origin}${GRAPHQL_PATH}`,
    wsUrl: websocketUrl({ protocol: api.protocol, host: api.host }),
  };
}

/**
 * graphcache, and under it the exchange that gives trusted-document responses back their
 * `__typename`s (the manifest's documents have none; graphcache needs them to normalise).
 */
export function cachingExchanges(): Exchange[] {
  return [
    cacheExchange(cacheOptions()),
    mapExchange({
      onResult(result) {
        addTypenames(
          result.data as Record<string, unknown> | null | undefined,
          result.operation.query,
          schemaIndex,
        );
        return result;
      },
    }),
  ];
}

export interface AppClientOptions {
  /** the token this client was made for (a new client is made per token) */
  token: string | null;
  /** read on every request and websocket (re)connection */
  getToken: () => string | null;
  /** the server refused the token */
  onUnauthenticated: (token: string | null) => void;
  url?: string;
  wsUrl?: string;
}

export interface AppClient {
  client: Client;
  live: LiveConnection;
  dispose: () => void;
}

export function createAppClient(options: AppClientOptions): AppClient {
  const { token, getToken, onUnauthenticated } = options;
  const endpoints = apiEndpoints(import.meta.env.VITE_AGILEKIT_API_URL, window.location);
  const live = new LiveConnection();
  const authorization = (): Record<string, string> => {
    const current = getToken();
    return current ? { authorization: `Bearer ${current}` } : {};
  };

  const ws: WsClient = createWsClient({
    url: options.wsUrl ?? endpoints.wsUrl,
    connectionParams: authorization,
    lazy: true,
    lazyCloseTimeout: 5000,
    keepAlive: 15_000,
    retryAttempts: Number.MAX_SAFE_INTEGER,
    retryWait: (retries) =>
      new Promise((resolve) => {
        setTimeout(resolve, retryDelay(retries));
      }),
    shouldRetry: (errorOrClose) =>
      !(isCloseEvent(errorOrClose) && FATAL_CLOSE_CODES.has(errorOrClose.code)),
    jsonMessageReplacer: dropQueryForDocumentId,
    on: {
      connecting: (isRetry) => {
        live.set(isRetry ? 'reconnecting' : 'connecting');
      },
      connected: (_socket, _payload, wasRetry) => {
        live.set('connected');
        if (wasRetry) live.reconnected();
      },
      closed: (event) => {
        if (isCloseEvent(event) && AUTH_CLOSE_CODES.has(event.code)) onUnauthenticated(token);
        const code = isCloseEvent(event) ? event.code : undefined;
        // 1000: closed on purpose (no subscription left); anything else is a drop graphql-ws retries
        live.set(
          code !== undefined && FATAL_CLOSE_CODES.has(code)
            ? 'stopped'
            : code === 1000
              ? 'idle'
              : 'reconnecting',
        );
      },
    },
  });

  const exchanges: Exchange[] = [
    mapExchange({
      onError(error) {
        if (hasErrorCode(error, 'UNAUTHENTICATED')) onUnauthenticated(token);
      },
    }),
    ...cachingExchanges(),
    trustedFetchExchange,
    subscriptionExchange({
      forwardSubscription(_request, operation) {
        const body = trustedBody(operation);
        // graphql-ws checks for a query string; dropQueryForDocumentId removes it on the wire.
        const payload = { ...body, query: body.query ?? '' };
        return {
          subscribe(sink) {
            const unsubscribe = ws.subscribe(payload, sink);
            return { unsubscribe };
          },
        };
      },
    }),
  ];

  const client = new Client({
    url: options.url ?? endpoints.url,
    exchanges,
    fetchOptions: () => ({ headers: authorization() }),
    requestPolicy: 'cache-and-network',
    preferGetMethod: false,
  });

  return {
    client,
    live,
    dispose: () => {
      void ws.dispose();
    },
  };
}
