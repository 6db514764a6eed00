import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeJwt, inSeconds } from '../test/jwt';
import { AuthStore } from './store';
import { isExpired, TOKEN_STORAGE_KEY, tokenExpiry, tokenFromFragment } from './token';

const token = fakeJwt({ sub: 'u1', email: 'a@example.com', exp: inSeconds(3600) });

describe('tokenFromFragment', () => {
  it('takes the token and keeps the rest of the fragment', () => {
    expect(tokenFromFragment(`#token=${token}`)).toEqual({ token, hash: '' });
    expect(tokenFromFragment(`#token=${token}&tab=votes`)).toEqual({ token, hash: '#tab=votes' });
    expect(tokenFromFragment(`#tab=votes&token=${token}`)).toEqual({ token, hash: '#tab=votes' });
  });

  it('leaves fragments without a token alone', () => {
    expect(tokenFromFragment('')).toEqual({ token: null, hash: '' });
    expect(tokenFromFragment('#section-2')).toEqual({ token: null, hash: '#section-2' });
  });

  it('strips but refuses a token that is not a JWT', () => {
    expect(tokenFromFragment('#token=<script>')).toEqual({ token: null, hash: '' });
    expect(tokenFromFragment('#token=')).toEqual({ token: null, hash: '' });
  });
});

describe('expiry', () => {
  it('reads exp (seconds) as milliseconds', () => {
    expect(tokenExpiry(fakeJwt({ exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
    expect(tokenExpiry(fakeJwt({ sub: 'no exp' }))).toBeNull();
    expect(tokenExpiry('a.b.c')).toBeNull();
  });

  it('knows an expired token', () => {
    expect(isExpired(fakeJwt({ exp: inSeconds(-1) }))).toBe(true);
    expect(isExpired(token)).toBe(false);
    expect(isExpired('not a token')).toBe(true);
  });
});

describe('AuthStore', () => {
  afterEach(() => {
    vi.useRealTimers();
    window.history.replaceState(null, '', '/');
  });

  it('stores a token from the URL fragment and strips it from the address', () => {
    window.history.replaceState(null, '', `/rooms/r1?issue=2#token=${token}`);
    const store = new AuthStore(sessionStorage);
    store.init(window.location, window.history);
    expect(store.getToken()).toBe(token);
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe(token);
    expect(`${window.location.pathname}${window.location.search}${window.location.hash}`).toBe(
      '/rooms/r1?issue=2',
    );
  });

  it('keeps the stored token across reloads, and drops an expired one', () => {
    sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
    const store = new AuthStore(sessionStorage);
    store.init(window.location, window.history);
    expect(store.getState()).toEqual({ token, reason: null });

    sessionStorage.setItem(TOKEN_STORAGE_KEY, fakeJwt({ exp: inSeconds(-60) }));
    const expired = new AuthStore(sessionStorage);
    expired.init(window.location, window.history);
    expect(expired.getState()).toEqual({ token: null, reason: 'expired' });
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });

  it('signs out when the token’s exp passes', () => {
    vi.useFakeTimers();
    const store = new AuthStore(sessionStorage);
    const listener = vi.fn();
    store.subscribe(listener);
    store.signIn(fakeJwt({ exp: inSeconds(30) }));
    vi.advanceTimersByTime(31_000);
    expect(store.getState()).toEqual({ token: null, reason: 'expired' });
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('expires only the token the server refused', () => {
    const store = new AuthStore(sessionStorage);
    store.signIn(token);
    store.expire('some-older-token');
    expect(store.getToken()).toBe(token);
    store.expire(token);
    expect(store.getState().reason).toBe('expired');
    store.signIn(token);
    store.clear('signed-out');
    expect(store.getState()).toEqual({ token: null, reason: 'signed-out' });
  });
});
