/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';
import { agilekitSchema } from './vite-plugin-schema';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const generated = here('../generated');
const apiTarget = process.env.AGILEKIT_API ?? 'http://127.0.0.1:8000';

/**
 * /graphql, HTTP and websocket, to the API. The server accepts websocket handshakes only from
 * its own origins (PUBLIC_URL, APP_URL, WS_ALLOWED_ORIGINS), so the dev proxy presents the
 * API's origin; in production the app is served by the API itself (same origin).
 */
const graphqlProxy: ProxyOptions = {
  target: apiTarget,
  ws: true,
  configure(proxy) {
    proxy.on('proxyReqWs', (proxyReq) => {
      proxyReq.setHeader('origin', new URL(apiTarget).origin);
    });
  },
};

export default defineConfig({
  plugins: [react(), agilekitSchema(here('../schema/schema.graphql'))],
  resolve: {
    alias: { '@generated': generated },
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    fs: { allow: [here('.'), generated] },
    proxy: { '/graphql': graphqlProxy },
  },
  preview: {
    proxy: { '/graphql': graphqlProxy },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: true,
    target: 'es2022',
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
