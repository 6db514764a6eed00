import {
  CompleteJiraConnectDocument,
  DisconnectJiraDocument,
  JiraConnectionSettingsDocument,
  SelectJiraSiteDocument,
  StartJiraConnectDocument,
  type JiraConnectionFieldsFragment,
} from '@generated/graphql';
import { useEffect, useId, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorMessage, Loading, StatusMessage } from '../components/Messages';
import { useToast } from '../components/Toasts';
import {
  combinedErrorMessage,
  jiraConnectErrorMessage,
  resultErrorMessage,
} from '../graphql/errors';
import { isHttpUrl } from '../lib/rooms';

type Outcome = { kind: 'completing' } | { kind: 'connected' } | { kind: 'error'; message: string };

function formatDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toLocaleDateString();
}

/** Completes the OAuth hand-off (`?code&state`) once, under the signed-in user's token. */
function useCompleteHandOff(): Outcome | null {
  const [params, setParams] = useSearchParams();
  const [, completeConnect] = useMutation(CompleteJiraConnectDocument);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const started = useRef<string | null>(null);
  const code = params.get('code');
  const state = params.get('state');
  const error = params.get('error');
  const connected = params.get('connected');

  useEffect(() => {
    if (!code || !state || started.current === state) return;
    // The state is single-use: never send it twice (StrictMode runs effects twice).
    started.current = state;
    setOutcome({ kind: 'completing' });
    void completeConnect({ code, state }).then((response) => {
      const payload = response.data?.completeJiraConnect;
      const message = resultErrorMessage(response.error, payload?.errors);
      setOutcome(
        message || !payload?.connection
          ? { kind: 'error', message: message ?? 'Jira could not be connected. Try again.' }
          : { kind: 'connected' },
      );
      // Keep the code and state out of the address bar and history.
      setParams(new URLSearchParams(), { replace: true });
    });
  }, [code, state, completeConnect, setParams]);

  if (outcome) return outcome;
  if (error) return { kind: 'error', message: jiraConnectErrorMessage(error) };
  if (connected === 'jira') return { kind: 'connected' };
  return null;
}

function ConnectButton({ label = 'Connect Jira' }: { label?: string }) {
  const [result, start] = useMutation(StartJiraConnectDocument);
  const [error, setError] = useState<string | null>(null);
  async function onConnect() {
    setError(null);
    const response = await start({ returnTo: null });
    const payload = response.data?.startJiraConnect;
    const message = resultErrorMessage(response.error, payload?.errors);
    if (message || !isHttpUrl(payload?.authorizeUrl)) {
      setError(message ?? 'Jira could not be connected right now. Try again.');
      return;
    }
    window.location.assign(payload.authorizeUrl);
  }
  return (
    <div className="connect">
      <button
        type="button"
        className="button button-primary"
        disabled={result.fetching}
        onClick={() => void onConnect()}
      >
        {label}
      </button>
      <ErrorMessage message={error} />
    </div>
  );
}

function Connection({ connection }: { connection: JiraConnectionFieldsFragment }) {
  const [selectState, selectSite] = useMutation(SelectJiraSiteDocument);
  const [, disconnect] = useMutation(DisconnectJiraDocument);
  const [error, setError] = useState<string | null>(null);
  const notify = useToast();
  const siteId = useId();
  const site = connection.site;
  const reconnectBy = formatDate(connection.reconnectBy);

  async function onSelect(cloudId: string) {
    setError(null);
    const response = await selectSite({ cloudId });
    setError(resultErrorMessage(response.error, response.data?.selectJiraSite.errors));
  }

  async function onDisconnect() {
    const response = await disconnect({});
    const message = resultErrorMessage(response.error, response.data?.disconnectJira.errors);
    if (message) setError(message);
    else notify('Jira disconnected');
  }

  return (
    <div className="connection">
      {connection.status === 'NEEDS_REAUTH' ? (
        <div role="alert" className="message message-error">
          <p>
            Jira needs to be reconnected
            {connection.needsReauthReason ? `: ${connection.needsReauthReason}` : '.'}
          </p>
          <ConnectButton label="Reconnect Jira" />
        </div>
      ) : (
        <StatusMessage className="message message-success">Jira connected</StatusMessage>
      )}
      {site ? (
        <p className="site">
          <strong>{site.name}</strong>{' '}
          {isHttpUrl(site.url) ? (
            <a href={site.url} target="_blank" rel="noopener noreferrer">
              {site.url}
            </a>
          ) : (
            <span>{site.url}</span>
          )}
        </p>
      ) : (
        <p>Choose the Jira site to use.</p>
      )}
      {connection.sites.length > 0 ? (
        <div className="field">
          <label htmlFor={siteId}>Jira site</label>
          <select
            id={siteId}
            value={site?.cloudId ?? ''}
            disabled={selectState.fetching}
            onChange={(event) => void onSelect(event.target.value)}
          >
            {site ? null : <option value="">Choose a site</option>}
            {connection.sites.map((option) => (
              <option key={option.cloudId} value={option.cloudId}>
                {option.name} ({option.url})
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <dl className="details">
        {connection.accountEmail ? (
          <>
            <dt>Atlassian account</dt>
            <dd>{connection.accountEmail}</dd>
          </>
        ) : null}
        {reconnectBy ? (
          <>
            <dt>Reconnect by</dt>
            <dd>{reconnectBy} (Atlassian ends every grant after a year)</dd>
          </>
        ) : null}
      </dl>
      <ErrorMessage message={error} />
      <ConfirmDialog
        trigger="Disconnect"
        title="Disconnect Jira?"
        description="AgileKit deletes its Jira tokens. Issues you imported stay in their rooms, but nothing is imported or pushed to Jira until you connect again."
        confirmLabel="Disconnect"
        onConfirm={onDisconnect}
      />
    </div>
  );
}

export default function IntegrationsPage() {
  const outcome = useCompleteHandOff();
  const [{ data, fetching, error }] = useQuery({
    query: JiraConnectionSettingsDocument,
    pause: outcome?.kind === 'completing',
  });
  const connection = data?.jiraConnection;

  return (
    <div className="page">
      <h1>Integrations</h1>
      <section aria-labelledby="jira-heading" className="card">
        <h2 id="jira-heading">Jira Cloud</h2>
        <p className="hint">
          Import issues from Jira into a room and push the agreed estimates back as story points.
        </p>
        {outcome?.kind === 'completing' ? <Loading label="Connecting Jira…" /> : null}
        {outcome?.kind === 'error' ? <ErrorMessage message={outcome.message} /> : null}
        {outcome?.kind === 'connected' && !connection ? (
          <StatusMessage className="message message-success">Jira connected</StatusMessage>
        ) : null}
        {fetching && !data && outcome?.kind !== 'completing' ? (
          <Loading label="Loading your Jira connection…" />
        ) : null}
        <ErrorMessage message={data ? null : combinedErrorMessage(error)} />
        {connection ? <Connection connection={connection} /> : null}
        {!connection && outcome?.kind !== 'completing' && (data || error) ? (
          <>
            <p>Jira is not connected.</p>
            <ConnectButton />
          </>
        ) : null}
      </section>
    </div>
  );
}
