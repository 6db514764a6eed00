import {
  AddIssueDocument,
  MoveIssueDocument,
  RemoveIssueDocument,
  type RoomIssueFieldsFragment,
} from '@generated/graphql';
import { memo, useCallback, useId, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { SharedConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/Messages';
import { useToast } from '../../components/Toasts';
import { resultErrorMessage } from '../../graphql/errors';
import { statusLabel } from '../../lib/format';
import { formText } from '../../lib/rooms';
import { JiraLinkStatus, type JiraLinkView } from './JiraLinkStatus';

/**
 * An issue of the list. `jiraLink` is shown when the documents carry it (client/'s
 * RoomIssueFields does not select Issue.jiraLink yet).
 */
export type IssueListItem = RoomIssueFieldsFragment & { jiraLink?: JiraLinkView | null };

function AddIssueForm({ roomId }: { roomId: string }) {
  const [result, addIssue] = useMutation(AddIssueDocument);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const input = useRef<HTMLInputElement>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const title = formText(new FormData(form), 'title');
    if (!title) {
      setError('Give the issue a title.');
      input.current?.focus();
      return;
    }
    setError(null);
    const response = await addIssue({ roomId, title });
    const message = resultErrorMessage(response.error, response.data?.addIssue.errors);
    if (message) {
      setError(message);
      return;
    }
    form.reset();
    input.current?.focus();
  }

  return (
    <form className="form inline-form add-issue" onSubmit={(event) => void onSubmit(event)}>
      <div className="field">
        <label htmlFor={titleId}>Title</label>
        <input ref={input} id={titleId} name="title" type="text" required maxLength={500} />
      </div>
      <button type="submit" className="button" disabled={result.fetching}>
        Add issue
      </button>
      <ErrorMessage message={error} />
    </form>
  );
}

/**
 * One issue of the list. Memoised: the room page re-renders on every event, presence change and
 * vote, and a 100-issue list would otherwise re-render each time.
 */
const IssueRow = memo(function IssueRow({
  issue,
  index,
  last,
  selected,
  canFacilitate,
  onSelect,
  onMove,
  onRemove,
}: {
  issue: IssueListItem;
  index: number;
  last: boolean;
  selected: boolean;
  canFacilitate: boolean;
  onSelect: (issueId: string) => void;
  onMove: (issue: IssueListItem, index: number, by: -1 | 1) => Promise<void>;
  onRemove: (issue: IssueListItem, openedBy: HTMLButtonElement) => void;
}) {
  return (
    <li className={selected ? 'issue selected' : 'issue'}>
      <div className="issue-main">
        <button
          type="button"
          className="issue-title"
          aria-current={selected ? 'true' : undefined}
          onClick={() => {
            onSelect(issue.id);
          }}
        >
          {issue.title}
        </button>
        <span className={`badge status-${issue.status.toLowerCase()}`}>
          {statusLabel(issue.status)}
          {issue.status === 'ESTIMATED' && issue.finalEstimate ? `: ${issue.finalEstimate}` : ''}
        </span>
      </div>
      {issue.jiraLink ? (
        <JiraLinkStatus
          issueId={issue.id}
          link={issue.jiraLink}
          estimated={issue.status === 'ESTIMATED'}
        />
      ) : null}
      {canFacilitate ? (
        <div className="issue-actions">
          <button
            type="button"
            className="button button-small"
            aria-label={`Move up: ${issue.title}`}
            disabled={index === 0}
            onClick={() => void onMove(issue, index, -1)}
          >
            ↑
          </button>
          <button
            type="button"
            className="button button-small"
            aria-label={`Move down: ${issue.title}`}
            disabled={last}
            onClick={() => void onMove(issue, index, 1)}
          >
            ↓
          </button>
          <button
            type="button"
            className="button button-small button-danger"
            aria-label={`Remove: ${issue.title}`}
            aria-haspopup="dialog"
            onClick={(event) => {
              onRemove(issue, event.currentTarget);
            }}
          >
            Remove
          </button>
        </div>
      ) : null}
    </li>
  );
});

export function IssuesRegion({
  roomId,
  issues,
  selectedId,
  onSelect,
  canFacilitate,
  canAdd,
}: {
  roomId: string;
  issues: readonly IssueListItem[];
  selectedId: string | null;
  onSelect: (issueId: string) => void;
  canFacilitate: boolean;
  canAdd: boolean;
}) {
  const [, moveIssue] = useMutation(MoveIssueDocument);
  const [, removeIssue] = useMutation(RemoveIssueDocument);
  const notify = useToast();
  const headingId = useId();
  // One dialog for the whole list (a dialog per row cost ~100 ms of a 100-issue room's render).
  const [removing, setRemoving] = useState<{
    issue: IssueListItem;
    openedBy: HTMLButtonElement;
  } | null>(null);

  const move = useCallback(
    async (issue: IssueListItem, index: number, by: -1 | 1) => {
      const response = await moveIssue({ issueId: issue.id, position: index + 1 + by });
      const message = resultErrorMessage(response.error, response.data?.moveIssue.errors);
      if (message) notify('Could not move the issue', { description: message, tone: 'error' });
    },
    [moveIssue, notify],
  );
  const openRemove = useCallback((issue: IssueListItem, openedBy: HTMLButtonElement) => {
    setRemoving({ issue, openedBy });
  }, []);

  async function remove(issue: IssueListItem) {
    const response = await removeIssue({ issueId: issue.id });
    const message = resultErrorMessage(response.error, response.data?.removeIssue.errors);
    if (message) notify('Could not remove the issue', { description: message, tone: 'error' });
    else notify(`Removed “${issue.title}”`);
  }

  return (
    <section aria-labelledby={headingId} className="card issues">
      <h2 id={headingId}>Issues</h2>
      {issues.length === 0 ? (
        <p className="empty">No issues yet.{canAdd ? ' Add the first one below.' : ''}</p>
      ) : (
        <ol className="issue-list">
          {issues.map((issue, index) => (
            <IssueRow
              key={issue.id}
              issue={issue}
              index={index}
              last={index === issues.length - 1}
              selected={issue.id === selectedId}
              canFacilitate={canFacilitate}
              onSelect={onSelect}
              onMove={move}
              onRemove={openRemove}
            />
          ))}
        </ol>
      )}
      {canAdd ? <AddIssueForm roomId={roomId} /> : null}
      <SharedConfirmDialog
        openedBy={removing?.openedBy ?? null}
        onClose={() => {
          setRemoving(null);
        }}
        title="Remove this issue?"
        description={`“${removing?.issue.title ?? ''}” and its votes will be deleted for everyone in the room.`}
        confirmLabel="Remove issue"
        onConfirm={() => (removing ? remove(removing.issue) : undefined)}
      />
    </section>
  );
}
