/** Bearer tokens: where they come from (the URL fragment, sessionStorage) and when they end. */

export const TOKEN_STORAGE_KEY = 'agilekit.token';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_TOKEN_LENGTH = 8192;

export function looksLikeJwt(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && JWT_SHAPE.test(token);
}

/**
 * A production sign-in hands the token over in the fragment, `#token=…` (never sent to a
 * server, unlike a query string). Returns the token, if a usable one is there, and the
 * fragment without it ('' when nothing else was in it).
 */
export function tokenFromFragment(hash: string): { token: string | null; hash: string } {
  const fragment = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!fragment) return { token: null, hash: '' };
  const params = new URLSearchParams(fragment);
  if (!params.has('token')) return { token: null, hash: hash.startsWith('#') ? hash : `#${hash}` };
  const token = params.get('token') ?? '';
  params.delete('token');
  const rest = params.toString();
  return { token: looksLikeJwt(token) ? token : null, hash: rest ? `#${rest}` : '' };
}

function base64UrlDecode(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The token's `exp` claim in milliseconds since the epoch; null when it has none or is bad. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const claims: unknown = JSON.parse(base64UrlDecode(payload));
    if (typeof claims !== 'object' || claims === null) return null;
    const exp = (claims as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Whether the token has expired at `now` (a token we cannot read is treated as expired). */
export function isExpired(token: string, now: number = Date.now()): boolean {
  if (!looksLikeJwt(token)) return true;
  const expiry = tokenExpiry(token);
  return expiry !== null && expiry <= now;
}
