import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
export const SCREENSHOTS = process.env.AGILEKIT_SCREENSHOTS ?? '/tmp/agilekit-web-screenshots';
/** The sandbox the server mounts at /sandbox in development (its admin API). */
export const SANDBOX_ADMIN = '/sandbox/_sandbox';
export const ACME_CLOUD_ID = '8f3c2a10-5d1e-4c7b-9a42-3e1f0b6d7c01';

interface Violation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page (or within `scope`) as it is now. */
export async function accessibilityProblems(page: Page, scope?: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async (selector) => {
    const axe = (
      window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<unknown> } }
    ).axe;
    const context = selector ? document.querySelector(selector) : document;
    const result = (await axe.run(context, { resultTypes: ['violations'] })) as {
      violations: Violation[];
    };
    return result.violations;
  }, scope ?? null);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact ?? ''} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** A screenshot of the page under `name`, after axe found no serious or critical problem. */
export async function checkPage(page: Page, name: string, scope?: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  expect(await accessibilityProblems(page, scope), `accessibility of ${name}`).toEqual([]);
}

let people = 0;

/** Development sign-in (devSignIn) as a new person; lands on the rooms page. */
export async function signIn(page: Page, name: string, plan = 'PREMIUM'): Promise<void> {
  people += 1;
  await page.goto('/signin');
  await page
    .getByRole('textbox', { name: 'Email' })
    .fill(`${name.toLowerCase()}-${Date.now().toString(36)}-${people}@example.com`);
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page.getByRole('combobox', { name: 'Plan' }).selectOption(plan);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'New room' })).toBeVisible();
}

/** The page's width holds its content: nothing scrolls sideways. */
export async function fitsItsWidth(page: Page): Promise<void> {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, 'horizontal overflow in px').toBeLessThanOrEqual(0);
}

/**
 * Escape closes `dialog`. Radix starts listening for Escape in an effect after the dialog is
 * painted; until then a toast still on screen is the top layer and takes the key (a loaded
 * machine widens that window). So press again until the dialog is gone: one that never
 * closes still fails.
 */
export async function closeWithEscape(page: Page, dialog: Locator): Promise<void> {
  await expect(async () => {
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
}
