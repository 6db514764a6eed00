import type { CombinedError } from '@urql/core';

/** A payload's `errors` entry (UserError). */
export interface UserErrorLike {
  code: string;
  field?: string | null;
  message: string;
}

const GENERIC = 'Something went wrong. Please try again.';

/** `table[key]` for own keys only (a code such as "constructor" must not reach Object's). */
function lookup(table: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Used when a payload error comes without a message. */
const USER_ERROR_FALLBACKS: Record<string, string> = {
  VALIDATION: 'Please check what you entered.',
  NOT_FOUND: 'It no longer exists.',
  INVALID_STATE: 'That cannot be done right now.',
  NOT_ALLOWED: 'That is not allowed.',
  NOT_DEVELOPMENT: 'Development sign-in is turned off on this server.',
  NOT_CONNECTED: 'Connect Jira first.',
  NEEDS_REAUTH: 'Jira needs to be reconnected.',
};

/** Readable messages of top-level errors, by `extensions.code`: never the raw GraphQL text. */
const TOP_LEVEL_MESSAGES: Record<string, string> = {
  UNAUTHENTICATED: 'Your session has ended. Sign in again.',
  FORBIDDEN: 'You are not allowed to do this.',
  PREMIUM_REQUIRED: 'Jira features need the Premium plan.',
  NOT_CONNECTED: 'Connect Jira first (Settings → Integrations).',
  NEEDS_REAUTH: 'Jira needs to be reconnected (Settings → Integrations).',
  JIRA_RATE_LIMITED: 'Jira is busy right now. Try again in a minute.',
  JIRA_UNAVAILABLE: 'Jira cannot be reached right now. Try again later.',
  JIRA_PERMISSION: 'Your Jira account is not allowed to do this.',
  JIRA_SCOPE_MISSING: 'The Jira connection lacks a permission: reconnect Jira.',
  JIRA_NOT_FOUND: 'Jira does not know this item (any more).',
  QUERY_TOO_COMPLEX: 'This page asked for too much at once. Reload the page.',
  QUERY_TOO_DEEP: 'This page asked for too much at once. Reload the page.',
  DOCUMENT_TOO_LARGE: 'The request was too large.',
  PERSISTED_DOCUMENT_NOT_FOUND: 'This version of the app is out of date. Reload the page.',
  TRUSTED_DOCUMENTS_ONLY: 'This version of the app is out of date. Reload the page.',
  SLOW_SUBSCRIBER: 'Live updates fell behind; catching up.',
  BAD_USER_INPUT: 'The request was not valid.',
  BAD_REQUEST: 'The request was not valid.',
};

export function userErrorMessage(error: UserErrorLike): string {
  const message = error.message.trim();
  return message || (lookup(USER_ERROR_FALLBACKS, error.code) ?? GENERIC);
}

/** The payload's errors as one readable text, or null when there are none. */
export function payloadErrorMessage(
  errors: readonly UserErrorLike[] | null | undefined,
): string | null {
  if (!errors?.length) return null;
  return [...new Set(errors.map(userErrorMessage))].join(' ');
}

/** The `extensions.code` of the first top-level error that has one. */
export function errorCode(error: CombinedError | null | undefined): string | undefined {
  for (const graphQLError of error?.graphQLErrors ?? []) {
    const code: unknown = graphQLError.extensions.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export function hasErrorCode(error: CombinedError | null | undefined, code: string): boolean {
  return (error?.graphQLErrors ?? []).some((graphQLError) => graphQLError.extensions.code === code);
}

/** The readable message for a top-level error code. */
export function messageForCode(code: string): string {
  return lookup(TOP_LEVEL_MESSAGES, code) ?? GENERIC;
}

/** A readable message for a request's top-level or network error, or null for none. */
export function combinedErrorMessage(error: CombinedError | null | undefined): string | null {
  if (!error) return null;
  const code = errorCode(error);
  if (code) return messageForCode(code);
  if (error.networkError) {
    return 'Cannot reach the AgileKit server. Check your connection and try again.';
  }
  return GENERIC;
}

/** A message for whatever went wrong: the top-level error first, else the payload's errors. */
export function resultErrorMessage(
  error: CombinedError | null | undefined,
  payloadErrors?: readonly UserErrorLike[] | null,
): string | null {
  return combinedErrorMessage(error) ?? payloadErrorMessage(payloadErrors);
}

const JIRA_CONNECT_ERRORS: Record<string, string> = {
  access_denied: 'Jira was not connected: access was declined on the Atlassian consent page.',
  invalid_scope:
    'Jira was not connected: Atlassian refused the permissions this app asks for. Ask your administrator to check the Jira app.',
  invalid_state:
    'Jira was not connected: the connection request expired or was already used. Start again with “Connect Jira”.',
  missing_code:
    'Jira was not connected: Atlassian did not send an authorization code. Start again with “Connect Jira”.',
  oauth_error: 'Jira was not connected: Atlassian reported an error. Try again later.',
  state_mismatch:
    'Jira was not connected: the request was started by another user or browser. Start again with “Connect Jira” while signed in.',
  server_error: 'Jira was not connected: Atlassian had a problem. Try again later.',
  temporarily_unavailable:
    'Jira was not connected: Atlassian is temporarily unavailable. Try again later.',
  exchange_failed:
    'Jira was not connected: Atlassian did not accept the authorization. Start again with “Connect Jira”.',
  no_sites: 'Jira was not connected: your Atlassian account has no Jira site this app can use.',
};

/** A readable message for the `?error=CODE` the OAuth hand-off lands on. */
export function jiraConnectErrorMessage(code: string): string {
  return (
    lookup(JIRA_CONNECT_ERRORS, code) ??
    'Jira could not be connected. Start again with “Connect Jira”.'
  );
}
