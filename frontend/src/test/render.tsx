import { render, type RenderResult } from '@testing-library/react';
import type { Client } from '@urql/core';
import { StrictMode, type ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { Provider } from 'urql';
import { ToastProvider } from '../components/Toasts';

/** Render `element` at `path` (matched by `route`) with the given urql client. */
export function renderWithClient(
  element: ReactElement,
  { client, path = '/', route = '*' }: { client: Client; path?: string; route?: string },
): RenderResult {
  // StrictMode runs effects twice: the single-use OAuth state must still be sent once.
  return render(
    <StrictMode>
      <ToastProvider>
        <MemoryRouter initialEntries={[path]}>
          <Provider value={client}>
            <Routes>
              <Route path={route} element={element} />
            </Routes>
          </Provider>
        </MemoryRouter>
      </ToastProvider>
    </StrictMode>,
  );
}
