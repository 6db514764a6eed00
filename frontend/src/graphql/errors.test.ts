import { CombinedError } from '@urql/core';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  combinedErrorMessage,
  errorCode,
  jiraConnectErrorMessage,
  payloadErrorMessage,
  resultErrorMessage,
} from './errors';

const topLevel = (code: string, message = 'raw GraphQL text from the server') =>
  new CombinedError({ graphQLErrors: [new GraphQLError(message, { extensions: { code } })] });

describe('payload errors', () => {
  it('uses the server’s readable messages, without repeats', () => {
    expect(
      payloadErrorMessage([
        { code: 'VALIDATION', field: 'title', message: 'The title is empty.' },
        { code: 'VALIDATION', field: 'title', message: 'The title is empty.' },
      ]),
    ).toBe('The title is empty.');
  });

  it('falls back on the code when a message is empty', () => {
    expect(payloadErrorMessage([{ code: 'NOT_DEVELOPMENT', message: ' ' }])).toBe(
      'Development sign-in is turned off on this server.',
    );
    expect(payloadErrorMessage([{ code: 'SOMETHING_NEW', message: '' }])).toBe(
      'Something went wrong. Please try again.',
    );
  });

  it('is null without errors', () => {
    expect(payloadErrorMessage([])).toBeNull();
    expect(payloadErrorMessage(undefined)).toBeNull();
  });
});

describe('top-level errors', () => {
  it('maps codes to readable text, never the raw GraphQL message', () => {
    expect(combinedErrorMessage(topLevel('UNAUTHENTICATED'))).toBe(
      'Your session has ended. Sign in again.',
    );
    expect(combinedErrorMessage(topLevel('PREMIUM_REQUIRED'))).toBe(
      'Jira features need the Premium plan.',
    );
    expect(combinedErrorMessage(topLevel('PERSISTED_DOCUMENT_NOT_FOUND'))).toMatch(/reload/i);
    const unknown = combinedErrorMessage(topLevel('WHATEVER'));
    expect(unknown).toBe('Something went wrong. Please try again.');
    expect(combinedErrorMessage(topLevel('constructor'))).toBe(unknown);
    expect(combinedErrorMessage(new CombinedError({ graphQLErrors: ['no code'] }))).toBe(unknown);
  });

  it('explains network errors', () => {
    const error = new CombinedError({ networkError: new Error('Failed to fetch') });
    expect(combinedErrorMessage(error)).toMatch(/cannot reach the agilekit server/i);
  });

  it('reads the code, and prefers top-level errors over payload errors', () => {
    expect(errorCode(topLevel('FORBIDDEN'))).toBe('FORBIDDEN');
    expect(errorCode(undefined)).toBeUndefined();
    expect(resultErrorMessage(topLevel('FORBIDDEN'), [{ code: 'X', message: 'payload' }])).toBe(
      'You are not allowed to do this.',
    );
    expect(resultErrorMessage(undefined, [{ code: 'X', message: 'payload' }])).toBe('payload');
    expect(resultErrorMessage(undefined, [])).toBeNull();
  });
});

describe('jiraConnectErrorMessage', () => {
  it.each([
    ['access_denied', /declined/],
    ['invalid_scope', /permissions/],
    ['invalid_state', /expired or was already used/],
    ['missing_code', /authorization code/],
    ['oauth_error', /Atlassian reported an error/],
    ['state_mismatch', /another user or browser/],
  ])('%s has its own message', (code, pattern) => {
    expect(jiraConnectErrorMessage(code)).toMatch(pattern);
  });

  it('says something generic (and safe) for any other code', () => {
    const generic = 'Jira could not be connected. Start again with “Connect Jira”.';
    expect(jiraConnectErrorMessage('bogus')).toBe(generic);
    expect(jiraConnectErrorMessage('<script>')).toBe(generic);
    expect(jiraConnectErrorMessage('__proto__')).toBe(generic);
  });
});
