import { expect, test } from '@playwright/test';
import { checkPage } from './support';

/**
 * Production with the app on an origin of its own: the build was given VITE_AGILEKIT_API_URL
 * and the API lists the app's origin in APP_URL and CORS_ORIGINS. The bearer token arrives in
 * the URL fragment (`#token=…`) and is kept in sessionStorage; an expired one leads to a clear
 * signed-out page. AGILEKIT_API, AGILEKIT_TOKEN and AGILEKIT_EXPIRED_TOKEN come from the test.
 */
const api = new URL(process.env.AGILEKIT_API ?? 'http://127.0.0.1:8000').origin;
const token = process.env.AGILEKIT_TOKEN ?? '';
const expiredToken = process.env.AGILEKIT_EXPIRED_TOKEN ?? '';

test('the app on another origin signs in from the fragment and stays live', async ({ page }) => {
  const graphqlOrigins = new Set<string>();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/graphql') graphqlOrigins.add(url.origin);
  });
  const sockets: string[] = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));

  await page.goto(`/#token=${token}`);
  await expect(page.getByRole('button', { name: 'New room' })).toBeVisible();
  expect(new URL(page.url()).hash).toBe(''); // the token left the address bar
  expect(await page.evaluate(() => sessionStorage.getItem('agilekit.token'))).toBe(token);
  await page.getByRole('button', { name: 'New room' }).click();
  await page.getByRole('textbox', { name: 'Room name' }).fill('Elsewhere');
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  await page.reload(); // sessionStorage keeps the tab signed in
  await expect(page.getByRole('heading', { name: 'Elsewhere' })).toBeVisible();
  await expect(page.getByText('Live', { exact: true })).toBeVisible();

  expect([...graphqlOrigins]).toEqual([api]);
  expect(sockets.length).toBeGreaterThan(0);
  for (const socket of sockets) expect(socket).toBe(`${api.replace(/^http/, 'ws')}/graphql`);
  expect(new URL(page.url()).origin).not.toBe(api);
});

test('an expired token leads to a clear signed-out page', async ({ page }) => {
  await page.goto(`/settings/integrations#token=${expiredToken}`);
  await expect(page.getByRole('heading', { name: 'Your session has expired' })).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.getItem('agilekit.token'))).toBeNull();
  await checkPage(page, 'signed-out-expired');
});

test('without a token production shows the signed-out page, not a sign-in form', async ({
  page,
}) => {
  await page.goto('/rooms/123');
  await expect(page.getByRole('heading', { name: 'You are signed out' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Email' })).toHaveCount(0);
});
