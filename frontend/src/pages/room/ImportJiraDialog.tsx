import { ImportJiraIssuesDocument } from '@generated/graphql';
import * as Dialog from '@radix-ui/react-dialog';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ErrorMessage, Loading, StatusMessage } from '../../components/Messages';
import { combinedErrorMessage } from '../../graphql/errors';
import {
  EMPTY_SUMMARY,
  NO_SELECTION,
  addImportPayload,
  importBatches,
  isSelected,
  issueLabel,
  issueSource,
  selectAllState,
  selectedKeys,
  toggleAll,
  toggleKey,
  type ImportSummary,
  type Selection,
} from '../../lib/jira';
import { JiraError, JiraPickers, type JiraPick } from './JiraPickers';
import { SavedFilterPicker } from './SavedFilterPicker';
import { useJiraIssuePages, type JiraIssueItem } from './useJiraIssuePages';

function SelectAll({ state, onToggle }: { state: 'all' | 'some' | 'none'; onToggle: () => void }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = state === 'some';
  }, [state]);
  return (
    <label className="field-inline check">
      <input ref={ref} type="checkbox" checked={state === 'all'} onChange={onToggle} />
      Select all
    </label>
  );
}

function IssueChecklist(props: {
  issues: readonly JiraIssueItem[];
  selection: Selection;
  onToggle: (key: string) => void;
}) {
  return (
    <ul className="jira-issue-list">
      {props.issues.map((issue) => (
        <li key={issue.key}>
          <label className="field-inline check">
            <input
              type="checkbox"
              checked={isSelected(props.selection, issue.key)}
              onChange={() => {
                props.onToggle(issue.key);
              }}
              aria-label={issueLabel(issue)}
            />
            <span>
              <strong>{issue.key}</strong> {issue.summary}
              {issue.storyPoints !== null && issue.storyPoints !== undefined ? (
                <span className="meta"> · {issue.storyPoints} pts</span>
              ) : null}
              {issue.status ? <span className="meta"> · {issue.status}</span> : null}
              {issue.parent ? (
                <span className="meta"> · sub-task of {issue.parent.key}</span>
              ) : null}
            </span>
          </label>
        </li>
      ))}
    </ul>
  );
}

function ImportResult({ summary, onBack }: { summary: ImportSummary; onBack: () => void }) {
  return (
    <div>
      <StatusMessage className="message message-success">Imported {summary.imported}</StatusMessage>
      <p>
        {summary.created} created, {summary.updated} updated.
      </p>
      {summary.failures.length ? (
        <div role="alert" className="message message-error">
          <p>Not imported:</p>
          <ul>
            {summary.failures.map((failure, index) => (
              <li key={`${failure.key ?? ''}-${index}`}>
                {failure.key ? <strong>{failure.key}: </strong> : null}
                {failure.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onBack}>
          Import more
        </button>
        <Dialog.Close className="button button-primary">Done</Dialog.Close>
      </div>
    </div>
  );
}

function ImportBody({ roomId }: { roomId: string }) {
  const [pick, setPick] = useState<JiraPick>({ projectKey: '', boardId: '', sprint: '' });
  const [jqlDraft, setJqlDraft] = useState('');
  const [jql, setJql] = useState('');
  const [filterId, setFilterId] = useState('');
  const [selection, setSelection] = useState<Selection>(NO_SELECTION);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);
  const [, importIssues] = useMutation(ImportJiraIssuesDocument);
  const jqlId = useId();

  const source = useMemo(
    () => issueSource({ boardId: pick.boardId, sprint: pick.sprint, jql, filterId }),
    [pick.boardId, pick.sprint, jql, filterId],
  );
  const pages = useJiraIssuePages(source);
  const loadedKeys = useMemo(() => pages.issues.map((issue) => issue.key), [pages.issues]);
  const picked = selectedKeys(selection, loadedKeys);

  useEffect(() => {
    setSelection(NO_SELECTION);
  }, [source]);

  function onJql(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setJql(jqlDraft.trim());
  }

  async function onImport() {
    if (!picked.length) return;
    setImporting(true);
    setError(null);
    let total = EMPTY_SUMMARY;
    for (const batch of importBatches(picked)) {
      const response = await importIssues({ roomId, issueKeys: batch });
      const payload = response.data?.importJiraIssues;
      if (!payload) {
        setError(combinedErrorMessage(response.error) ?? 'The import did not work.');
        break;
      }
      total = addImportPayload(total, batch, payload);
    }
    setImporting(false);
    if (total !== EMPTY_SUMMARY) setSummary(total);
  }

  if (summary) {
    return (
      <ImportResult
        summary={summary}
        onBack={() => {
          setSummary(null);
          setSelection(NO_SELECTION);
        }}
      />
    );
  }

  return (
    <div className="form">
      <JiraPickers value={pick} onChange={setPick} withBacklog disabled={!!jql || !!filterId} />
      <SavedFilterPicker value={filterId} disabled={!!jql} onChange={setFilterId} />
      <form className="form inline-form" onSubmit={onJql} role="search" aria-label="JQL">
        <div className="field">
          <label htmlFor={jqlId}>JQL (instead of a sprint or filter)</label>
          <input
            id={jqlId}
            type="text"
            value={jqlDraft}
            placeholder="project = KEY AND status != Done"
            onChange={(event) => {
              setJqlDraft(event.target.value);
            }}
          />
        </div>
        <button type="submit" className="button">
          Search
        </button>
        {jql ? (
          <button
            type="button"
            className="button button-quiet"
            onClick={() => {
              setJql('');
              setJqlDraft('');
            }}
          >
            Clear JQL
          </button>
        ) : null}
      </form>
      {pages.error ? <JiraError error={pages.error} /> : null}
      {!source ? (
        <StatusMessage>
          Choose a sprint or the backlog, a saved filter, or search with JQL.
        </StatusMessage>
      ) : pages.fetching && !pages.issues.length ? (
        <Loading label="Loading issues…" />
      ) : !pages.error && !pages.issues.length ? (
        <StatusMessage>No issues here.</StatusMessage>
      ) : pages.issues.length ? (
        <fieldset className="jira-issues">
          <legend>
            Issues ({pages.issues.length}
            {pages.totalCount !== null ? ` of ${pages.totalCount}` : ''})
          </legend>
          <SelectAll
            state={selectAllState(selection, loadedKeys)}
            onToggle={() => {
              setSelection((current) => toggleAll(current, loadedKeys));
            }}
          />
          <IssueChecklist
            issues={pages.issues}
            selection={selection}
            onToggle={(key) => {
              setSelection((current) => toggleKey(current, key));
            }}
          />
          {pages.hasNextPage ? (
            <button
              type="button"
              className="button"
              disabled={pages.fetching}
              onClick={pages.loadMore}
            >
              {pages.fetching ? 'Loading…' : 'Load more'}
            </button>
          ) : null}
        </fieldset>
      ) : null}
      <ErrorMessage message={error} />
      <div className="dialog-actions">
        <span className="meta" role="status">
          {picked.length} selected
        </span>
        <Dialog.Close className="button">Cancel</Dialog.Close>
        <button
          type="button"
          className="button button-primary"
          disabled={!picked.length || importing}
          aria-busy={importing || undefined}
          onClick={() => void onImport()}
        >
          Import
        </button>
      </div>
    </div>
  );
}

/** Button "Import from Jira" and its dialog (facilitators). */
export function ImportJiraDialog({ roomId }: { roomId: string }) {
  return (
    <Dialog.Root>
      <Dialog.Trigger className="button">Import from Jira</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog-content dialog-wide">
          <Dialog.Title className="dialog-title">Import from Jira</Dialog.Title>
          <Dialog.Description className="dialog-description">
            Pick issues of a sprint, the backlog, a saved filter or a JQL search to add to this
            room.
          </Dialog.Description>
          <ImportBody roomId={roomId} />
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
