import { defineConfig } from '@playwright/test';

/**
 * The whole flow in a real browser, against a running `agilekit serve` (development, the
 * mounted sandbox). `tests/web/test_web_app_browser.py` starts one on a fresh database and runs
 * this with AGILEKIT_URL; by hand: `make run`, then `AGILEKIT_URL=http://127.0.0.1:8000
 * npm --prefix frontend run e2e`. Playwright drives Debian's Chromium (no browser download).
 */
export default defineConfig({
  testDir: 'e2e',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  outputDir: process.env.AGILEKIT_E2E_OUTPUT ?? '/tmp/agilekit-e2e-results',
  use: {
    baseURL: process.env.AGILEKIT_URL ?? 'http://127.0.0.1:8000',
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
