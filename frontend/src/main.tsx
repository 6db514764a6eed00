import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { authStore } from './auth/store';
import './styles.css';

// Before anything renders: take a `#token=…` handed over in the URL and strip it.
authStore.init(window.location, window.history);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
