import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { mockClient } from '../../test/mockClient';
import { renderWithClient } from '../../test/render';
import { ImportJiraDialog } from './ImportJiraDialog';
import { JiraSettingsDialog } from './JiraSettingsDialog';

const pageInfo = (endCursor: string | null) => ({ hasNextPage: endCursor !== null, endCursor });
const issue = (n: number, storyPoints: number | null = null) => ({
  id: `10${n}`,
  key: `ABC-${n}`,
  summary: `Issue ${n}`,
  status: 'To Do',
  statusCategory: 'new',
  issueType: 'Story',
  storyPoints,
  url: `https://x.atlassian.net/browse/ABC-${n}`,
});

const browse = (name: string | undefined, variables: Record<string, unknown>) => {
  if (name === 'JiraImportProjects') {
    return {
      data: {
        jiraProjects: {
          edges: [
            { cursor: 'p', node: { id: '1', key: 'ABC', name: 'Alpha', teamManaged: false } },
          ],
          pageInfo: pageInfo(null),
          totalCount: 1,
        },
      },
    };
  }
  if (name === 'JiraImportBoards') {
    return {
      data: {
        jiraBoards: {
          edges: [
            { cursor: 'b', node: { id: 4, name: 'Alpha board', type: 'scrum', projectKey: 'ABC' } },
          ],
          pageInfo: pageInfo(null),
        },
      },
    };
  }
  if (name === 'JiraImportSprints') {
    return {
      data: {
        jiraSprints: [
          { id: 9, name: 'Sprint 1', state: 'ACTIVE', startDate: null, endDate: null, goal: null },
        ],
      },
    };
  }
  if (name === 'JiraImportIssues') {
    const second = variables.after === 'c1';
    return {
      data: {
        jiraIssues: {
          edges: second
            ? [{ cursor: 'c2', node: issue(3) }]
            : [
                { cursor: 'c0', node: issue(1, 5) },
                { cursor: 'c1', node: issue(2) },
              ],
          pageInfo: pageInfo(second ? null : 'c1'),
          totalCount: 3,
        },
      },
    };
  }
  if (name === 'JiraImportEstimationField') {
    return {
      data: {
        jiraEstimationField: {
          fieldId: 'customfield_10016',
          fieldName: 'Story point estimate',
          source: 'BOARD_CONFIGURATION',
          editable: true,
          hint: null,
          candidates: [
            {
              fieldId: 'customfield_10016',
              name: 'Story point estimate',
              estimateTarget: 'STORY_POINTS',
              options: [],
              issueTypes: ['Story'],
            },
            {
              fieldId: 'customfield_10040',
              name: 'T-shirt size',
              estimateTarget: 'SELECT_FIELD',
              options: ['S', 'M', 'L'],
              issueTypes: ['Story', 'Task'],
            },
          ],
        },
      },
    };
  }
  return undefined;
};

describe('ImportJiraDialog', () => {
  it('imports the picked issues of a sprint, across pages', async () => {
    const user = userEvent.setup();
    const imported = vi.fn();
    const client = mockClient((operation, name) => {
      if (name === 'ImportJiraIssues') {
        const keys = (operation.variables as { issueKeys: string[] }).issueKeys;
        imported(keys);
        return {
          data: {
            importJiraIssues: {
              issues: [],
              created: 1,
              updated: 1,
              errors: [{ code: 'JIRA_NOT_FOUND', field: 'issueKeys[2]', message: 'Gone' }],
            },
          },
        };
      }
      return browse(name, operation.variables as Record<string, unknown>);
    });
    renderWithClient(<ImportJiraDialog roomId="r1" />, { client });
    await user.click(screen.getByRole('button', { name: 'Import from Jira' }));
    const dialog = await screen.findByRole('dialog', { name: 'Import from Jira' });
    const d = within(dialog);
    await user.selectOptions(await d.findByRole('combobox', { name: 'Project' }), 'ABC');
    await waitFor(() => {
      expect(d.getByRole('option', { name: /Alpha board/ })).toBeTruthy();
    });
    await user.selectOptions(d.getByRole('combobox', { name: 'Board' }), '4');
    await waitFor(() => {
      expect(d.getByRole('option', { name: 'Backlog' })).toBeTruthy();
    });
    await user.selectOptions(d.getByRole('combobox', { name: 'Sprint' }), '9');
    const first = await d.findByRole('checkbox', { name: 'ABC-1 Issue 1 (5 points)' });
    expect(d.getByRole('button', { name: 'Import' })).toHaveProperty('disabled', true);
    await user.click(d.getByRole('checkbox', { name: 'Select all' }));
    expect(first).toHaveProperty('checked', true);
    await user.click(d.getByRole('button', { name: 'Load more' }));
    const third = await d.findByRole('checkbox', { name: 'ABC-3 Issue 3' });
    expect(third).toHaveProperty('checked', true);
    await user.click(d.getByRole('checkbox', { name: 'ABC-2 Issue 2' }));
    expect(d.getByRole('checkbox', { name: 'Select all' })).toHaveProperty('checked', false);
    await user.click(d.getByRole('checkbox', { name: 'ABC-2 Issue 2' }));
    await user.click(d.getByRole('button', { name: 'Import' }));
    expect(await d.findByText('Imported 0')).toBeTruthy();
    expect(imported).toHaveBeenCalledWith(['ABC-1', 'ABC-2', 'ABC-3']);
    expect(d.getByText('1 created, 1 updated.')).toBeTruthy();
    expect(d.getByRole('alert').textContent).toContain('ABC-3: Gone');
  });

  it('says when Jira needs the Premium plan', async () => {
    const user = userEvent.setup();
    const client = mockClient(() => ({ errorCode: 'PREMIUM_REQUIRED' }));
    renderWithClient(<ImportJiraDialog roomId="r1" />, { client });
    await user.click(screen.getByRole('button', { name: 'Import from Jira' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Premium');
  });
});

const mapping = {
  cloudId: 'c1',
  projectKey: 'ABC',
  boardId: 4,
  sprintId: 9,
  storyPointsFieldId: 'customfield_10016',
  storyPointsFieldSource: 'BOARD_CONFIGURATION',
  autoImport: true,
  autoPushEstimates: false,
  commentOnPush: false,
  webhookStatus: 'FAILED',
  webhookExpiresAt: null,
  webhookError: 'Not a Jira admin',
  autoImportedAt: null,
  autoImportError: null,
};

/** The room's mapping, its saving (reported to `saved`) and the browse queries. */
function settingsClient(saved: (variables: unknown) => void) {
  return mockClient((operation, name) => {
    if (name === 'RoomJiraMapping') return { data: { room: { id: 'r1', jiraMapping: mapping } } };
    if (name === 'SetRoomJiraMapping') {
      saved(operation.variables);
      return { data: { setRoomJiraMapping: { mapping, errors: [] } } };
    }
    return browse(name, operation.variables as Record<string, unknown>);
  });
}

describe('JiraSettingsDialog', () => {
  it('lets the owner save the mapping', async () => {
    const user = userEvent.setup();
    const saved = vi.fn();
    const client = settingsClient(saved);
    renderWithClient(<JiraSettingsDialog roomId="r1" canEdit />, { client });
    await user.click(screen.getByRole('button', { name: 'Jira settings' }));
    const d = within(await screen.findByRole('dialog', { name: 'Jira settings' }));
    expect(await d.findByText(/Story point estimate/)).toBeTruthy();
    expect(d.getByText(/Reason: Not a Jira admin/)).toBeTruthy();
    expect(d.getByRole('combobox', { name: 'Project' })).toHaveProperty('value', 'ABC');
    await user.click(d.getByRole('checkbox', { name: 'Push estimates to Jira' }));
    await user.click(d.getByRole('checkbox', { name: 'Comment on push' }));
    await user.click(d.getByRole('button', { name: 'Save' }));
    expect(await d.findByText('Jira settings saved.')).toBeTruthy();
    expect(saved).toHaveBeenCalledWith({
      roomId: 'r1',
      input: {
        projectKey: 'ABC',
        boardId: 4,
        sprintId: 9,
        cloudId: 'c1',
        autoImport: true,
        autoPushEstimates: true,
        commentOnPush: true,
        estimateTarget: 'STORY_POINTS',
      },
    });
    expect(d.getByRole('button', { name: 'Remove mapping' })).toBeTruthy();
  });

  it('is read-only for other members', async () => {
    const user = userEvent.setup();
    const client = mockClient((_operation, name) =>
      name === 'RoomJiraMapping'
        ? { data: { room: { id: 'r1', jiraMapping: mapping } } }
        : undefined,
    );
    renderWithClient(<JiraSettingsDialog roomId="r1" canEdit={false} />, { client });
    await user.click(screen.getByRole('button', { name: 'Jira settings' }));
    const d = within(await screen.findByRole('dialog', { name: 'Jira settings' }));
    expect(await d.findByText(/Only the room’s owner/)).toBeTruthy();
    expect(d.getByRole('checkbox', { name: 'Auto-import new sprint issues' })).toHaveProperty(
      'disabled',
      true,
    );
    expect(d.queryByRole('button', { name: 'Save' })).toBeNull();
  });
});

describe('JiraPickers paging', () => {
  const project = (n: number) => ({
    cursor: `p${n}`,
    node: { id: String(n), key: `P${n}`, name: `Project ${n}`, teamManaged: false },
  });

  it('follows every page of projects into the combobox', async () => {
    const asked: unknown[] = [];
    const client = mockClient((operation, name) => {
      if (name !== 'JiraImportProjects') return browse(name, {});
      const after = (operation.variables as { after: string | null }).after;
      asked.push(after);
      const page = after === null ? 0 : Number(after.slice(1));
      const edges = [1, 2].map((i) => project(page * 2 + i));
      return {
        data: {
          jiraProjects: {
            edges,
            pageInfo: pageInfo(page < 2 ? `c${page + 1}` : null),
            totalCount: 6,
          },
        },
      };
    });
    const user = userEvent.setup();
    renderWithClient(<ImportJiraDialog roomId="r1" />, { client });
    await user.click(screen.getByRole('button', { name: 'Import from Jira' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Import from Jira' }));
    await waitFor(() => {
      expect(dialog.getByRole('option', { name: 'Project 6 (P6)' })).toBeTruthy();
    });
    const options = dialog.getAllByRole('option').map((o) => o.textContent);
    expect(options.filter((text) => text.startsWith('Project '))).toHaveLength(6);
    // page one may be asked twice (StrictMode runs effects twice); each later page once
    expect(asked.filter((after) => after !== null)).toEqual(['c1', 'c2']);
    await user.selectOptions(dialog.getByRole('combobox', { name: 'Project' }), 'P5');
    expect(dialog.getByRole('combobox', { name: 'Project' })).toHaveProperty('value', 'P5');
  });

  it('keeps the pages it has when a later one fails, and says why', async () => {
    const client = mockClient((operation, name) => {
      if (name !== 'JiraImportProjects') return browse(name, {});
      if ((operation.variables as { after: string | null }).after) {
        return { errorCode: 'JIRA_UNAVAILABLE' };
      }
      return { data: { jiraProjects: { edges: [project(1)], pageInfo: pageInfo('c1') } } };
    });
    const user = userEvent.setup();
    renderWithClient(<ImportJiraDialog roomId="r1" />, { client });
    await user.click(screen.getByRole('button', { name: 'Import from Jira' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Import from Jira' }));
    expect(await dialog.findByRole('alert')).toBeTruthy();
    expect(dialog.getByRole('option', { name: 'Project 1 (P1)' })).toBeTruthy();
    expect(dialog.getByRole('combobox', { name: 'Project' })).toHaveProperty('disabled', false);
  });
});

describe('estimate targets and saved filters', () => {
  it('maps the estimate into a select field the project has on its screens', async () => {
    const user = userEvent.setup();
    const saved = vi.fn();
    const client = settingsClient(saved);
    renderWithClient(<JiraSettingsDialog roomId="r1" canEdit />, { client });
    await user.click(screen.getByRole('button', { name: 'Jira settings' }));
    const d = within(await screen.findByRole('dialog', { name: 'Jira settings' }));
    await user.selectOptions(
      await d.findByRole('combobox', { name: 'Estimate into' }),
      'SELECT_FIELD',
    );
    const field = await d.findByRole('combobox', { name: 'Select field' });
    await waitFor(() => {
      expect(d.getByRole('option', { name: 'T-shirt size' })).toBeTruthy();
    });
    expect(d.queryByRole('option', { name: 'Story point estimate' })).toBeNull(); // a number field
    await user.click(d.getByRole('button', { name: 'Save' }));
    expect(await d.findByText('Choose the select field the estimate goes to.')).toBeTruthy();
    expect(saved).not.toHaveBeenCalled();
    await user.selectOptions(field, 'customfield_10040');
    expect(d.getByText(/Options: S, M, L/)).toBeTruthy();
    await user.click(d.getByRole('button', { name: 'Save' }));
    expect(await d.findByText('Jira settings saved.')).toBeTruthy();
    expect(saved).toHaveBeenCalledWith(
      expect.objectContaining({
        input: expect.objectContaining({
          estimateTarget: 'SELECT_FIELD',
          storyPointsFieldId: 'customfield_10040',
        }) as unknown,
      }),
    );
  });

  it('lists a saved filter’s issues', async () => {
    const user = userEvent.setup();
    const sources: unknown[] = [];
    const client = mockClient((operation, name) => {
      if (name === 'JiraImportFilters') {
        const node = { id: 10100, name: 'My open bugs', jql: 'type = Bug', owner: 'Dana' };
        return {
          data: { jiraFilters: { edges: [{ cursor: 'f', node }], pageInfo: pageInfo(null) } },
        };
      }
      if (name === 'JiraImportIssues') sources.push(operation.variables?.source);
      return browse(name, operation.variables as Record<string, unknown>);
    });
    renderWithClient(<ImportJiraDialog roomId="r1" />, { client });
    await user.click(screen.getByRole('button', { name: 'Import from Jira' }));
    const d = within(await screen.findByRole('dialog', { name: 'Import from Jira' }));
    const filters = await d.findByRole('combobox', { name: 'Saved filter' });
    await waitFor(() => {
      expect(d.getByRole('option', { name: 'My open bugs (Dana)' })).toBeTruthy();
    });
    await user.selectOptions(filters, '10100');
    expect(d.getByText('type = Bug')).toBeTruthy();
    expect(await d.findByRole('checkbox', { name: /ABC-1/ })).toBeTruthy();
    expect(sources).toContainEqual({ filterId: 10100 });
    expect(d.getByRole('combobox', { name: 'Project' })).toHaveProperty('disabled', true);
  });
});
