import { describe, expect, it } from 'vitest';
import { combinedErrorMessage, messageForCode } from '../graphql/errors';
import {
  BACKLOG,
  EMPTY_SUMMARY,
  NO_SELECTION,
  addImportPayload,
  failedKey,
  fieldSourceText,
  importBatches,
  issueLabel,
  issueSource,
  mappingInput,
  selectAllState,
  selectedKeys,
  toggleAll,
  toggleKey,
  webhookText,
  type MappingForm,
} from './jira';
import { CombinedError } from '@urql/core';

describe('issueSource', () => {
  it('prefers JQL, then the backlog or the sprint', () => {
    expect(issueSource({ boardId: '3', sprint: '7', jql: ' project = A ' })).toEqual({
      jql: 'project = A',
    });
    expect(issueSource({ boardId: '3', sprint: BACKLOG, jql: '' })).toEqual({ backlogBoardId: 3 });
    expect(issueSource({ boardId: '3', sprint: '7', jql: '' })).toEqual({ sprintId: 7 });
    expect(issueSource({ boardId: '3', sprint: '', jql: '' })).toBeNull();
    expect(issueSource({ boardId: '', sprint: BACKLOG, jql: '' })).toBeNull();
  });

  it('takes a saved filter over the sprint, and JQL over the filter', () => {
    expect(issueSource({ boardId: '3', sprint: '7', jql: '', filterId: '10100' })).toEqual({
      filterId: 10100,
    });
    expect(issueSource({ boardId: '3', sprint: '7', jql: 'key = A-1', filterId: '10100' })).toEqual(
      { jql: 'key = A-1' },
    );
    expect(issueSource({ boardId: '3', sprint: '7', jql: '', filterId: '' })).toEqual({
      sprintId: 7,
    });
  });
});

describe('selection', () => {
  const page1 = ['A-1', 'A-2'];
  const pages = [...page1, 'A-3'];

  it('picks keys one by one', () => {
    const selection = toggleKey(toggleKey(NO_SELECTION, 'A-2'), 'A-1');
    expect(selectedKeys(selection, pages)).toEqual(['A-1', 'A-2']);
    expect(selectAllState(selection, pages)).toBe('some');
    expect(selectedKeys(toggleKey(selection, 'A-1'), pages)).toEqual(['A-2']);
  });

  it('"Select all" also covers pages loaded later, minus keys unticked', () => {
    let selection = toggleAll(NO_SELECTION, page1);
    expect(selectAllState(selection, page1)).toBe('all');
    expect(selectedKeys(selection, pages)).toEqual(pages);
    selection = toggleKey(selection, 'A-2');
    expect(selectedKeys(selection, pages)).toEqual(['A-1', 'A-3']);
    expect(selectAllState(selection, pages)).toBe('some');
    // ticking it again when not all are picked picks all
    selection = toggleAll(selection, pages);
    expect(selectAllState(selection, pages)).toBe('all');
    // unticking it clears the pick
    expect(selectedKeys(toggleAll(selection, pages), pages)).toEqual([]);
  });

  it('is "none" with nothing loaded', () => {
    expect(selectAllState(toggleAll(NO_SELECTION, []), [])).toBe('none');
  });
});

describe('import', () => {
  it('splits keys into batches of 100', () => {
    const keys = Array.from({ length: 205 }, (_, i) => `A-${i + 1}`);
    expect(importBatches(keys).map((batch) => batch.length)).toEqual([100, 100, 5]);
    expect(importBatches([])).toEqual([]);
  });

  it('maps "issueKeys[i]" errors to the batch’s keys and adds up the payloads', () => {
    expect(failedKey('issueKeys[1]', ['A-1', 'A-2'])).toBe('A-2');
    expect(failedKey('issueKeys[5]', ['A-1'])).toBeNull();
    expect(failedKey(null, ['A-1'])).toBeNull();
    let summary = addImportPayload(EMPTY_SUMMARY, ['A-1', 'A-2'], {
      issues: [{}],
      created: 1,
      updated: 0,
      errors: [{ code: 'JIRA_NOT_FOUND', field: 'issueKeys[1]', message: 'A-2: No such issue' }],
    });
    summary = addImportPayload(summary, ['A-3'], {
      issues: [{}],
      created: 0,
      updated: 1,
      errors: [{ code: 'JIRA_RATE_LIMITED', field: null, message: ' ' }],
    });
    expect(summary).toEqual({
      imported: 2,
      created: 1,
      updated: 1,
      failures: [
        { key: 'A-2', message: 'No such issue' },
        { key: null, message: 'It could not be imported.' },
      ],
    });
  });

  it('labels an issue by key, summary and points', () => {
    expect(issueLabel({ key: 'A-1', summary: 'Login', storyPoints: 3 })).toBe(
      'A-1 Login (3 points)',
    );
    expect(issueLabel({ key: 'A-1', summary: 'Login', storyPoints: null })).toBe('A-1 Login');
  });
});

describe('mappingInput', () => {
  const form: MappingForm = {
    projectKey: 'ABC',
    boardId: '4',
    sprintId: '9',
    autoImport: true,
    autoPushEstimates: false,
    commentOnPush: true,
    cloudId: 'c1',
  };

  it('builds the input from the form', () => {
    expect(mappingInput(form)).toEqual({
      projectKey: 'ABC',
      boardId: 4,
      sprintId: 9,
      cloudId: 'c1',
      autoImport: true,
      autoPushEstimates: false,
      commentOnPush: false,
    });
    expect(mappingInput({ ...form, autoImport: false, boardId: '', sprintId: '9' })).toMatchObject({
      boardId: null,
      sprintId: null,
    });
  });

  it('carries the estimate target and the select field it needs', () => {
    const select = { ...form, estimateTarget: 'SELECT_FIELD' as const };
    expect(mappingInput(select)).toEqual({
      error: 'Choose the select field the estimate goes to.',
    });
    expect(mappingInput({ ...select, storyPointsFieldId: 'customfield_10040' })).toMatchObject({
      estimateTarget: 'SELECT_FIELD',
      storyPointsFieldId: 'customfield_10040',
    });
    const hours = mappingInput({
      ...form,
      estimateTarget: 'ORIGINAL_ESTIMATE',
      storyPointsFieldId: 'customfield_10026',
    });
    expect(hours).toMatchObject({ estimateTarget: 'ORIGINAL_ESTIMATE' });
    expect(hours).not.toHaveProperty('storyPointsFieldId'); // time tracking needs no field
  });

  it('asks for what is missing', () => {
    expect(mappingInput({ ...form, projectKey: ' ' })).toEqual({ error: 'Choose a project.' });
    expect(mappingInput({ ...form, boardId: '' })).toHaveProperty('error');
  });
});

describe('texts', () => {
  it('describes the field source and the webhook', () => {
    expect(fieldSourceText('BOARD_CONFIGURATION')).toBe('from the board’s estimation setting');
    expect(fieldSourceText('constructor')).toBe('constructor');
    expect(fieldSourceText(null)).toBeNull();
    expect(webhookText('FAILED', 'not admin')).toBe(
      'The webhook could not be registered. Reason: not admin',
    );
    expect(webhookText('ACTIVE')).toContain('active');
  });

  it('has readable messages for the Jira refusals', () => {
    const error = (code: string) =>
      new CombinedError({ graphQLErrors: [{ message: 'raw', extensions: { code } }] });
    expect(combinedErrorMessage(error('PREMIUM_REQUIRED'))).toBe(
      messageForCode('PREMIUM_REQUIRED'),
    );
    expect(combinedErrorMessage(error('NOT_CONNECTED'))).toContain('Connect Jira');
  });
});
