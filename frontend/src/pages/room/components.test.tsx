import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { mockClient } from '../../test/mockClient';
import { renderWithClient } from '../../test/render';
import { Countdown } from './Countdown';
import { JiraLinkStatus, pushStatusText } from './JiraLinkStatus';
import { Results } from './Results';
import { VoteCards } from './VoteCards';

const stats = {
  voters: 3,
  numeric: 3,
  mean: 3.3333,
  median: 3,
  min: '2',
  max: '5',
  mode: ['3'],
  agreement: 0.3333,
  consensus: false,
  suggestion: '3',
};

describe('Results', () => {
  it('is a region named "Results" with the statistics and the votes', () => {
    render(
      <Results
        stats={stats}
        votes={[
          { hasVoted: true, value: '2', user: { id: 'u1', name: 'Ada', email: 'ada@x' } },
          { hasVoted: true, value: '5', user: { id: 'u2', name: null, email: 'bob@x' } },
        ]}
      />,
    );
    const region = screen.getByRole('region', { name: 'Results' });
    const term = (label: string) => within(region).getByText(label).nextElementSibling?.textContent;
    expect(term('Mean')).toBe('3.3');
    expect(term('Median')).toBe('3');
    expect(term('Agreement')).toBe('33%');
    expect(term('Consensus')).toBe('No');
    expect(term('Mode')).toBe('3');
    expect(within(region).getByText('bob@x')).toBeTruthy();
  });
});

describe('VoteCards', () => {
  it('is a group "Your vote" with a button per card; the vote is pressed', async () => {
    const onVote = vi.fn();
    render(<VoteCards cards={['1', '2', '?']} selected="2" onVote={onVote} />);
    const group = screen.getByRole('group', { name: 'Your vote' });
    const buttons = within(group).getAllByRole('button');
    expect(buttons.map((button) => button.textContent)).toEqual(['1', '2', '?']);
    expect(within(group).getByRole('button', { name: '2' }).getAttribute('aria-pressed')).toBe(
      'true',
    );
    await userEvent.click(within(group).getByRole('button', { name: '?' }));
    expect(onVote).toHaveBeenCalledWith('?');
  });
});

describe('Countdown', () => {
  it('shows the time left as a timer', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    render(<Countdown endsAt="2030-01-01T00:01:30Z" />);
    expect(screen.getByRole('timer').textContent).toBe('1:30');
    expect(screen.getByRole('timer').getAttribute('aria-label')).toBe('1 minute 30 seconds left');
    vi.useRealTimers();
  });
});

const failedLink = {
  key: 'PROJ-7',
  url: 'https://example.atlassian.net/browse/PROJ-7',
  pushStatus: 'FAILED' as const,
  pushedEstimate: null,
  pushError: 'Jira rejected the value.',
  deletedInJira: false,
};

describe('JiraLinkStatus', () => {
  it('links the key to Jira and says why a push failed; "Retry push" pushes again', async () => {
    const respond = vi.fn(() => ({
      data: {
        pushEstimateToJira: {
          jiraLink: { ...failedLink, pushStatus: 'PENDING' },
          errors: [],
        },
      },
    }));
    renderWithClient(<JiraLinkStatus issueId="i1" link={failedLink} estimated />, {
      client: mockClient(respond),
    });
    const link = screen.getByRole('link', { name: 'PROJ-7' });
    expect(link.getAttribute('href')).toBe(failedLink.url);
    expect(screen.getByText(/Push failed: Jira rejected the value\./)).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Retry push' }));
    expect(respond).toHaveBeenCalledTimes(1);
  });

  it('does not link a key whose URL is not http(s)', () => {
    renderWithClient(
      <JiraLinkStatus
        issueId="i1"
        link={{ ...failedLink, url: 'javascript:alert(1)' }}
        estimated
      />,
      { client: mockClient(() => undefined) },
    );
    expect(screen.queryByRole('link')).toBeNull();
  });

  it('says when Jira moved the issue out of the sprint, and names a sub-task’s parent', () => {
    renderWithClient(
      <JiraLinkStatus
        issueId="i1"
        link={{ ...failedLink, inSprint: false, parentKey: 'PROJ-2' }}
        estimated
      />,
      { client: mockClient(() => undefined) },
    );
    expect(screen.getByText(/Moved out of the sprint in Jira/)).toBeTruthy();
    expect(screen.getByText(/Sub-task of PROJ-2/)).toBeTruthy();
  });

  it('words each push status', () => {
    expect(pushStatusText({ ...failedLink, pushStatus: 'PUSHED', pushedEstimate: '5' })).toBe(
      'Pushed to Jira (5)',
    );
    expect(pushStatusText({ ...failedLink, pushError: null })).toBe(
      'Push failed: Jira did not say why.',
    );
    expect(pushStatusText({ ...failedLink, pushStatus: 'NOT_PUSHED', pushError: null })).toBeNull();
    expect(
      pushStatusText({ ...failedLink, pushStatus: 'NOT_PUSHED', pushError: '“?” has no value' }),
    ).toBe('Not pushed: “?” has no value');
  });
});
