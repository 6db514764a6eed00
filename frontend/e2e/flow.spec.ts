import { expect, test, type Locator, type Page } from '@playwright/test';
import {
  ACME_CLOUD_ID,
  SANDBOX_ADMIN,
  accessibilityProblems,
  checkPage,
  closeWithEscape,
  fitsItsWidth,
  signIn,
} from './support';

/**
 * A facilitator and a voter, each in a browser context of their own, through the whole flow:
 * sign in, connect Jira on the sandbox's consent page, map the room with estimate push on,
 * import the active sprint through the dialog, vote live, reveal, save the estimate, see it
 * pushed on both pages, see a Jira-side title edit arrive without a reload, and disconnect.
 */
test('a facilitator and a voter estimate a Jira sprint in the browser', async ({ browser }) => {
  const facilitator = await (await browser.newContext()).newPage();
  const voter = await (await browser.newContext()).newPage();

  await test.step('sign in and create a room', async () => {
    await facilitator.goto('/signin');
    await checkPage(facilitator, 'signin');
    await signIn(facilitator, 'Fran');
    await checkPage(facilitator, 'rooms');
    await facilitator.getByRole('button', { name: 'New room' }).click();
    await facilitator.getByRole('textbox', { name: 'Room name' }).fill('Sprint planning');
    await facilitator.getByRole('button', { name: 'Create' }).click();
    await expect(facilitator).toHaveURL(/\/rooms\/[^/]+$/);
    await expect(facilitator.getByRole('region', { name: 'Issues' })).toBeVisible();
  });
  const roomUrl = facilitator.url();

  await test.step('connect Jira through the consent page', async () => {
    await facilitator.goto('/settings/integrations');
    await expect(facilitator.getByRole('heading', { name: 'Integrations' })).toBeVisible();
    await checkPage(facilitator, 'integrations-not-connected');
    await facilitator.getByRole('button', { name: 'Connect Jira' }).click();
    await expect(facilitator).toHaveURL(/\/sandbox\/auth\/authorize\?/);
    await facilitator.getByRole('radio', { name: /acme-demo/ }).check();
    await facilitator.screenshot({
      path: `${process.env.AGILEKIT_SCREENSHOTS ?? '/tmp/agilekit-web-screenshots'}/jira-consent.png`,
    });
    await facilitator.getByRole('button', { name: 'Accept' }).click();
    await expect(facilitator).toHaveURL(/\/settings\/integrations/);
    await expect(facilitator.getByText('Jira connected')).toBeVisible();
    await expect(facilitator.getByText('https://acme-demo.atlassian.net').first()).toBeVisible();
    await expect(facilitator).not.toHaveURL(/code=/); // the code and state left the address bar
    await checkPage(facilitator, 'integrations-connected');
  });

  await test.step('map the room to the PLAT board with estimate push on', async () => {
    await facilitator.goto(roomUrl);
    await facilitator.getByRole('button', { name: 'Jira settings' }).click();
    const dialog = facilitator.getByRole('dialog', { name: 'Jira settings' });
    await chooseSprint(dialog, 'PLAT', 'PLAT board', 'PLAT Sprint 2');
    await dialog.getByRole('checkbox', { name: 'Push estimates to Jira' }).check();
    await expect(dialog.getByText(/Story points field: Story Points/)).toBeVisible();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByText(/webhook/i).first()).toBeVisible();
    await checkPage(facilitator, 'room-jira-settings', '[role=dialog]');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  const keys: string[] = [];
  await test.step('import the active sprint through the dialog', async () => {
    await facilitator.getByRole('button', { name: 'Import from Jira' }).click();
    const dialog = facilitator.getByRole('dialog', { name: 'Import from Jira' });
    await chooseSprint(dialog, 'PLAT', 'PLAT board', 'PLAT Sprint 2');
    const issues = dialog.getByRole('checkbox', { name: /^[A-Z]+-\d+ / });
    await expect(issues.first()).toBeVisible();
    for (const name of await issues.evaluateAll((boxes) =>
      boxes.map((box) => box.getAttribute('aria-label') ?? ''),
    )) {
      keys.push(name.split(' ')[0] ?? '');
    }
    await dialog.getByRole('checkbox', { name: 'Select all' }).check();
    await checkPage(facilitator, 'import-dialog', '[role=dialog]');
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await expect(dialog.getByText(`Imported ${keys.length}`)).toBeVisible();
    await expect(dialog.getByText(`${keys.length} created, 0 updated.`)).toBeVisible();
    await dialog.getByRole('button', { name: 'Done' }).click();
    const region = facilitator.getByRole('region', { name: 'Issues' });
    for (const key of keys) {
      const link = region.getByRole('link', { name: key });
      await expect(link).toHaveAttribute('href', `https://acme-demo.atlassian.net/browse/${key}`);
    }
  });
  expect(keys.length).toBeGreaterThan(1);
  const key = keys[0] ?? '';

  await test.step('the voter joins by the link', async () => {
    await signIn(voter, 'Val');
    await voter.goto(roomUrl);
    await voter.getByRole('button', { name: 'Join room' }).click();
    const members = voter.getByRole('region', { name: 'Members' });
    await expect(members.getByText('Fran')).toBeVisible();
    await expect(
      facilitator.getByRole('region', { name: 'Members' }).getByText('Val'),
    ).toBeVisible();
  });

  await test.step('vote live, reveal and save the estimate', async () => {
    await issueButton(facilitator, key).click();
    await facilitator.getByRole('button', { name: 'Start voting' }).click();
    const voterCards = voter.getByRole('group', { name: 'Your vote' });
    await expect(voterCards).toBeVisible(); // the round opened on the voter's page, live
    await voterCards.getByRole('button', { name: '5', exact: true }).focus();
    await voter.keyboard.press('Enter'); // the voter votes by keyboard
    const voted = facilitator.getByRole('list', { name: 'Who has voted' });
    await expect(voted.getByText(/Val/)).toBeVisible();
    await facilitator
      .getByRole('group', { name: 'Your vote' })
      .getByRole('button', { name: '5', exact: true })
      .click();
    await facilitator.getByRole('button', { name: 'Reveal' }).click();
    await expect(facilitator.getByRole('region', { name: 'Results' })).toContainText('5');
    await expect(voter.getByRole('region', { name: 'Results' })).toBeVisible();
    await expect(facilitator.getByRole('combobox', { name: 'Final estimate' })).toHaveValue('5');
    await checkPage(facilitator, 'room-revealed');
    await checkPage(voter, 'room-revealed-voter');
    await facilitator.getByRole('button', { name: 'Save estimate' }).click();
    for (const page of [facilitator, voter]) {
      const issues = page.getByRole('region', { name: 'Issues' });
      await expect(issues.getByText(/Pushed to Jira/)).toBeVisible();
    }
  });

  await test.step('a title edited in Jira appears without a reload', async () => {
    const edited = `Edited in Jira ${Date.now().toString(36)}`;
    const response = await facilitator.request.patch(
      `${SANDBOX_ADMIN}/sites/${ACME_CLOUD_ID}/issues/${key}`,
      { data: { summary: edited } },
    );
    expect(response.ok()).toBe(true);
    for (const page of [facilitator, voter]) {
      await expect(page.getByRole('region', { name: 'Issues' }).getByText(edited)).toBeVisible();
    }
  });

  await test.step('the room works by keyboard alone', async () => {
    await facilitator.evaluate(() => {
      window.scrollTo(0, 0);
      (document.activeElement as HTMLElement | null)?.blur();
    });
    const reached = new Set<string>();
    let unmarked = 0;
    for (let press = 0; press < 120; press++) {
      await facilitator.keyboard.press('Tab');
      const focused = await facilitator.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        if (!element || element === document.body) return null;
        const style = getComputedStyle(element);
        return {
          name: (element.getAttribute('aria-label') ?? element.textContent).trim(),
          marked: style.outlineStyle !== 'none' || style.boxShadow !== 'none',
        };
      });
      if (!focused) continue;
      reached.add(focused.name);
      if (!focused.marked) unmarked += 1;
    }
    for (const name of ['Import from Jira', 'Jira settings', 'Start voting', 'Add issue', key]) {
      expect([...reached], `"${name}" reachable with Tab`).toContain(name);
    }
    expect(unmarked, 'focused controls without a visible focus mark').toBe(0);
    const trigger = facilitator.getByRole('button', { name: 'Jira settings' });
    await trigger.focus();
    await facilitator.keyboard.press('Enter');
    const dialog = facilitator.getByRole('dialog', { name: 'Jira settings' });
    await expect(dialog).toBeVisible();
    await closeWithEscape(facilitator, dialog);
    await expect(trigger).toBeFocused(); // focus comes back to where it was
  });

  await test.step('the dialogs fit a 360 px wide screen', async () => {
    await facilitator.setViewportSize({ width: 360, height: 740 });
    await fitsItsWidth(facilitator);
    for (const name of ['Import from Jira', 'Jira settings']) {
      await facilitator.getByRole('button', { name }).click();
      const dialog = facilitator.getByRole('dialog', { name });
      await expect(dialog).toBeVisible();
      const box = await dialog.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 360, `${name} within 360 px`).toBe(true);
      await fitsItsWidth(facilitator);
      await closeWithEscape(facilitator, dialog);
    }
    await checkPage(facilitator, 'room-360px');
    await facilitator.setViewportSize({ width: 1280, height: 720 });
  });

  await test.step('disconnect Jira', async () => {
    await facilitator.goto('/settings/integrations');
    await facilitator.getByRole('button', { name: 'Disconnect' }).click();
    const confirm = facilitator.getByRole('alertdialog', { name: 'Disconnect Jira?' });
    await checkPage(facilitator, 'integrations-disconnect', '[role=alertdialog]');
    await confirm.getByRole('button', { name: 'Disconnect' }).click();
    await expect(facilitator.getByRole('button', { name: 'Connect Jira' })).toBeVisible();
  });

  await test.step('the accessibility check finds a real problem', async () => {
    await facilitator.evaluate(() => {
      document.body.append(document.createElement('img'));
    });
    expect((await accessibilityProblems(facilitator)).join('\n')).toContain('image-alt');
  });
});

function issueButton(page: Page, key: string) {
  return page
    .getByRole('region', { name: 'Issues' })
    .getByRole('listitem')
    .filter({ has: page.getByRole('link', { name: key }) })
    .getByRole('button')
    .first();
}

/** Picks, in each combobox, the option whose text starts with the given words. */
async function choose(dialog: Locator, combobox: string, text: string): Promise<void> {
  const select = dialog.getByRole('combobox', { name: combobox });
  const option = select.locator('option', { hasText: text }).first();
  await expect(option).toBeAttached();
  await select.selectOption((await option.getAttribute('value')) ?? '');
}

async function chooseSprint(
  dialog: Locator,
  project: string,
  board: string,
  sprint: string,
): Promise<void> {
  await choose(dialog, 'Project', `(${project})`);
  await choose(dialog, 'Board', board);
  await choose(dialog, 'Sprint', sprint);
}
