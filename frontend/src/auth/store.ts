import {
  isExpired,
  looksLikeJwt,
  TOKEN_STORAGE_KEY,
  tokenExpiry,
  tokenFromFragment,
} from './token';

export type SignedOutReason = 'signed-out' | 'expired';

export interface AuthState {
  token: string | null;
  /** why there is no token, once there was one */
  reason: SignedOutReason | null;
}

type Listener = () => void;

/**
 * The signed-in user's bearer token, kept in sessionStorage (per tab, gone with it). The
 * GraphQL client reads it on every request and every websocket (re)connection.
 */
export class AuthStore {
  private state: AuthState = { token: null, reason: null };
  private readonly listeners = new Set<Listener>();
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly storage: Storage | undefined) {}

  /** Take a `#token=…` handed over in the URL (and strip it), else the stored token. */
  init(location: Location, history: History): void {
    const { token: fromFragment, hash } = tokenFromFragment(location.hash);
    if (location.hash && hash !== location.hash) {
      history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`);
    }
    const token = fromFragment ?? this.read();
    if (!token) return;
    if (isExpired(token)) {
      this.clear('expired');
    } else {
      this.signIn(token);
    }
  }

  getState = (): AuthState => this.state;

  getToken = (): string | null => this.state.token;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  signIn(token: string): void {
    if (!looksLikeJwt(token)) throw new Error('Not a bearer token.');
    this.write(token);
    this.update({ token, reason: null });
    this.scheduleExpiry(token);
  }

  /** Drop the token: signed out by the user, or because the server or its `exp` ended it. */
  clear(reason: SignedOutReason): void {
    clearTimeout(this.expiryTimer);
    this.write(null);
    if (this.state.token === null && this.state.reason === reason) return;
    this.update({ token: null, reason });
  }

  /** The server refused the token (UNAUTHENTICATED, or the websocket closed with 4401/4403). */
  expire(token: string | null = this.state.token): void {
    if (token !== null && token === this.state.token) this.clear('expired');
  }

  private scheduleExpiry(token: string): void {
    clearTimeout(this.expiryTimer);
    const expiry = tokenExpiry(token);
    if (expiry === null) return;
    // setTimeout holds at most 2^31-1 ms (~24.8 days); re-arm after that.
    const delay = Math.min(Math.max(expiry - Date.now(), 0), 2 ** 31 - 1);
    this.expiryTimer = setTimeout(() => {
      if (isExpired(token)) this.expire(token);
      else this.scheduleExpiry(token);
    }, delay);
  }

  private update(next: AuthState): void {
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  private read(): string | null {
    try {
      return this.storage?.getItem(TOKEN_STORAGE_KEY) ?? null;
    } catch {
      return null;
    }
  }

  private write(token: string | null): void {
    try {
      if (token === null) this.storage?.removeItem(TOKEN_STORAGE_KEY);
      else this.storage?.setItem(TOKEN_STORAGE_KEY, token);
    } catch {
      // storage unavailable (private mode, quota): the token lives in memory only
    }
  }
}

function sessionStorageOrUndefined(): Storage | undefined {
  try {
    return typeof window === 'undefined' ? undefined : window.sessionStorage;
  } catch {
    return undefined;
  }
}

export const authStore = new AuthStore(sessionStorageOrUndefined());
