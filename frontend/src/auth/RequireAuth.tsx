import { Link, Outlet, useLocation } from 'react-router';
import { useAuth } from './AuthContext';
import type { SignedOutReason } from './store';

/** The clear page a signed-out (or expired) visitor sees instead of the app. */
export function SignedOutPage({ reason, next }: { reason: SignedOutReason | null; next: string }) {
  const expired = reason === 'expired';
  return (
    <section className="panel narrow" aria-labelledby="signed-out-heading">
      <h1 id="signed-out-heading">{expired ? 'Your session has expired' : 'You are signed out'}</h1>
      <p>
        {expired
          ? 'For your security you were signed out. Sign in again to continue where you left off.'
          : 'Sign in to see your rooms and join estimation sessions.'}
      </p>
      <p>
        <Link className="button button-primary" to={`/signin?next=${encodeURIComponent(next)}`}>
          Sign in
        </Link>
      </p>
    </section>
  );
}

export function RequireAuth() {
  const { token, reason } = useAuth();
  const location = useLocation();
  if (!token) {
    return <SignedOutPage reason={reason} next={`${location.pathname}${location.search}`} />;
  }
  return <Outlet />;
}
