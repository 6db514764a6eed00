import {
  PushEstimateToJiraDocument,
  type JiraIssueLinkPushFieldsFragment,
} from '@generated/graphql';
import { useState } from 'react';
import { useMutation } from 'urql';
import { ErrorMessage } from '../../components/Messages';
import { resultErrorMessage } from '../../graphql/errors';
import { isHttpUrl } from '../../lib/rooms';

export type JiraLinkView = Pick<
  JiraIssueLinkPushFieldsFragment,
  'key' | 'url' | 'pushStatus' | 'pushedEstimate' | 'pushError' | 'deletedInJira'
> &
  Partial<Pick<JiraIssueLinkPushFieldsFragment, 'inSprint' | 'parentKey'>>;

/** What the push status says, as text (never only a colour). */
export function pushStatusText(link: JiraLinkView): string | null {
  switch (link.pushStatus) {
    case 'PUSHED':
      return link.pushedEstimate ? `Pushed to Jira (${link.pushedEstimate})` : 'Pushed to Jira';
    case 'PENDING':
      return 'Pushing to Jira…';
    case 'FAILED':
      return `Push failed: ${link.pushError?.trim() || 'Jira did not say why.'}`;
    case 'NOT_PUSHED':
      return link.pushError ? `Not pushed: ${link.pushError}` : null;
    default:
      return null;
  }
}

/** Jira's mark, beside the key; decorative (the link is named by the key). */
function JiraIcon() {
  return (
    <svg
      className="jira-icon"
      viewBox="0 0 16 16"
      width="14"
      height="14"
      aria-hidden="true"
      focusable="false"
    >
      <path
        fill="currentColor"
        d="M15.4 7.4 8.6.6 8 0 2.9 5.1.6 7.4a.9.9 0 0 0 0 1.2l4.7 4.7L8 16l5.1-5.1.1-.1 2.2-2.2a.9.9 0 0 0 0-1.2ZM8 10.2 5.8 8 8 5.8 10.2 8 8 10.2Z"
      />
    </svg>
  );
}

/** A linked issue's Jira key (a link to Jira), its push status and "Retry push". */
export function JiraLinkStatus({
  issueId,
  link,
  estimated,
}: {
  issueId: string;
  link: JiraLinkView;
  estimated: boolean;
}) {
  const [result, push] = useMutation(PushEstimateToJiraDocument);
  const [error, setError] = useState<string | null>(null);
  const status = pushStatusText(link);

  async function onPush() {
    setError(null);
    const response = await push({ issueId });
    setError(resultErrorMessage(response.error, response.data?.pushEstimateToJira.errors));
  }

  const canRetry = link.pushStatus === 'FAILED';
  const canPush = estimated && link.pushStatus === 'NOT_PUSHED' && !link.deletedInJira;
  return (
    <div className="jira-link">
      {isHttpUrl(link.url) ? (
        <a href={link.url} target="_blank" rel="noopener noreferrer" className="jira-key">
          <JiraIcon />
          {link.key}
        </a>
      ) : (
        <span className="jira-key">
          <JiraIcon />
          {link.key}
        </span>
      )}
      {link.parentKey ? <span className="meta"> Sub-task of {link.parentKey}</span> : null}
      {link.deletedInJira ? <span className="meta"> Deleted in Jira</span> : null}
      {link.inSprint === false && !link.deletedInJira ? (
        <span className="meta"> Moved out of the sprint in Jira</span>
      ) : null}
      {status ? (
        <span className={`push-status push-${link.pushStatus.toLowerCase()}`}> {status}</span>
      ) : null}
      {canRetry || canPush ? (
        <button
          type="button"
          className="button button-small"
          disabled={result.fetching}
          onClick={() => void onPush()}
        >
          {canRetry ? 'Retry push' : 'Push to Jira'}
        </button>
      ) : null}
      <ErrorMessage message={error} />
    </div>
  );
}
