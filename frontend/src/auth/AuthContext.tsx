import { useSyncExternalStore } from 'react';
import { authStore, type AuthState } from './store';

/** The current token and why it went away; re-renders when either changes. */
export function useAuth(): AuthState {
  return useSyncExternalStore(authStore.subscribe, authStore.getState, authStore.getState);
}

/** A path inside the app to return to after signing in; anything else becomes "/". */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f]/.test(next)) return '/';
  return next;
}
