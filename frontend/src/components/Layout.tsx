import { ViewerDocument } from '@generated/graphql';
import { Suspense } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useQuery } from 'urql';
import { useAuth } from '../auth/AuthContext';
import { authStore } from '../auth/store';
import { Loading } from './Messages';

function ViewerBadge() {
  const [{ data }] = useQuery({ query: ViewerDocument });
  const viewer = data?.viewer;
  if (!viewer) return null;
  return (
    <span className="viewer">
      {viewer.name ?? viewer.email}
      <span className="plan">{viewer.plan === 'PREMIUM' ? 'Premium' : 'Free'}</span>
    </span>
  );
}

export function Layout() {
  const { token } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const here = `${location.pathname}${location.search}`;
  const signInHref =
    location.pathname === '/signin' ? '/signin' : `/signin?next=${encodeURIComponent(here)}`;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          AgileKit
        </Link>
        {token ? (
          <nav aria-label="Main" className="main-nav">
            <NavLink to="/" end>
              Rooms
            </NavLink>
            <NavLink to="/settings/integrations">Integrations</NavLink>
          </nav>
        ) : null}
        <div className="session">
          {token ? (
            <>
              <ViewerBadge />
              <button
                type="button"
                className="button button-quiet"
                onClick={() => {
                  authStore.clear('signed-out');
                  void navigate('/');
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <Link to={signInHref}>Sign in</Link>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1} className="app-main">
        <Suspense fallback={<Loading label="Loading…" />}>
          <Outlet />
        </Suspense>
      </main>
    </>
  );
}
