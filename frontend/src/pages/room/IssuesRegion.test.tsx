import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { mockClient } from '../../test/mockClient';
import { renderWithClient } from '../../test/render';
import { IssuesRegion, type IssueListItem } from './IssuesRegion';

const issue = (n: number): IssueListItem => ({
  id: `i${n}`,
  title: `Issue ${n}`,
  description: null,
  status: 'PENDING',
  finalEstimate: null,
  position: n,
  round: 1,
  votingEndsAt: null,
  jiraLink: null,
});

function renderRegion(removed: (id: string) => void) {
  const client = mockClient((operation, name) => {
    if (name !== 'RemoveIssue') return undefined;
    removed((operation.variables as { issueId: string }).issueId);
    return { data: { removeIssue: { removedIssueId: 'x', errors: [] } } };
  });
  renderWithClient(
    <IssuesRegion
      roomId="r1"
      issues={[issue(1), issue(2), issue(3)]}
      selectedId={null}
      onSelect={() => undefined}
      canFacilitate
      canAdd={false}
    />,
    { client },
  );
}

describe('IssuesRegion removal', () => {
  it('confirms for the row that asked, removes that issue, and gives focus back', async () => {
    const user = userEvent.setup();
    const removed = vi.fn();
    renderRegion(removed);
    const second = screen.getByRole('button', { name: 'Remove: Issue 2' });
    await user.click(second);
    const dialog = await screen.findByRole('alertdialog', { name: 'Remove this issue?' });
    expect(dialog.textContent).toContain('“Issue 2”');
    await user.click(within(dialog).getByRole('button', { name: 'Remove issue' }));
    await waitFor(() => {
      expect(screen.queryByRole('alertdialog')).toBeNull();
    });
    expect(removed).toHaveBeenCalledWith('i2');
    expect(removed).toHaveBeenCalledTimes(1);
  });

  it('cancels with Escape, removing nothing, focus back on the row’s button', async () => {
    const user = userEvent.setup();
    const removed = vi.fn();
    renderRegion(removed);
    const third = screen.getByRole('button', { name: 'Remove: Issue 3' });
    await user.click(third);
    await screen.findByRole('alertdialog', { name: 'Remove this issue?' });
    await user.keyboard('{Escape}');
    await waitFor(() => {
      expect(screen.queryByRole('alertdialog')).toBeNull();
    });
    expect(document.activeElement).toBe(third);
    expect(removed).not.toHaveBeenCalled();
  });
});
