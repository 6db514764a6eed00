import { lazy } from 'react';
import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { RequireAuth } from './auth/RequireAuth';
import { Layout } from './components/Layout';
import { ToastProvider } from './components/Toasts';
import { GraphQLProvider } from './graphql/GraphQLProvider';
import RoomsPage from './pages/RoomsPage';
// In the first bundle: the room is where people land from a shared link, and a lazy chunk
// (with its own dependencies) would cost a round trip before the room's queries start.
import RoomPage from './pages/room/RoomPage';

const IntegrationsPage = lazy(() => import('./pages/IntegrationsPage'));
const SignInPage = lazy(() => import('./pages/SignInPage'));

function NotFoundPage() {
  return (
    <section className="panel narrow" aria-labelledby="not-found-heading">
      <h1 id="not-found-heading">Page not found</h1>
      <p>
        <Link to="/">Go to your rooms</Link>
      </p>
    </section>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route path="signin" element={<SignInPage />} />
        <Route element={<RequireAuth />}>
          <Route index element={<RoomsPage />} />
          <Route path="rooms/:roomId" element={<RoomPage />} />
          <Route path="settings/integrations" element={<IntegrationsPage />} />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

export function App() {
  return (
    <ToastProvider>
      <BrowserRouter>
        <GraphQLProvider>
          <AppRoutes />
        </GraphQLProvider>
      </BrowserRouter>
    </ToastProvider>
  );
}
