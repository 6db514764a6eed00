import {
  JiraImportEstimationFieldDocument,
  RemoveRoomJiraMappingDocument,
  RoomJiraMappingDocument,
  SetRoomJiraMappingDocument,
  type RoomJiraMappingFieldsFragment,
} from '@generated/graphql';
import * as Dialog from '@radix-ui/react-dialog';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage, Loading, StatusMessage } from '../../components/Messages';
import { resultErrorMessage } from '../../graphql/errors';
import {
  fieldSourceText,
  mappingInput,
  toInt,
  webhookText,
  type MappingForm,
} from '../../lib/jira';
import { EstimateTargetPicker } from './EstimateTargetPicker';
import { JiraError, JiraPickers } from './JiraPickers';

type Mapping = RoomJiraMappingFieldsFragment;

export function formFromMapping(mapping: Mapping | null | undefined): MappingForm {
  return {
    projectKey: mapping?.projectKey ?? '',
    boardId: mapping?.boardId ? String(mapping.boardId) : '',
    sprintId: mapping?.sprintId ? String(mapping.sprintId) : '',
    autoImport: mapping?.autoImport ?? false,
    autoPushEstimates: mapping?.autoPushEstimates ?? false,
    commentOnPush: mapping?.commentOnPush ?? false,
    estimateTarget: mapping?.estimateTarget ?? 'STORY_POINTS',
    storyPointsFieldId:
      mapping?.estimateTarget === 'SELECT_FIELD' ? mapping.storyPointsFieldId : null,
    cloudId: mapping?.cloudId ?? null,
  };
}

function Check(props: {
  label: string;
  checked: boolean;
  disabled?: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <label className="field-inline check">
      <input
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        onChange={(event) => {
          props.onChange(event.target.checked);
        }}
      />
      {props.label}
    </label>
  );
}

/** The story-points field jiraEstimationField detects for the chosen project and board. */
function EstimationField({ projectKey, boardId }: { projectKey: string; boardId: string }) {
  const [{ data, fetching, error }] = useQuery({
    query: JiraImportEstimationFieldDocument,
    variables: { projectKey, boardId: toInt(boardId) },
    pause: !projectKey,
  });
  if (!projectKey) return null;
  if (fetching) return <Loading label="Detecting the story-points field…" />;
  if (error) return <JiraError error={error} />;
  const field = data?.jiraEstimationField;
  return (
    <FieldText
      name={field?.fieldName ?? field?.fieldId}
      source={field?.source}
      hint={field?.hint}
      editable={field?.editable}
    />
  );
}

function FieldText(props: {
  name: string | null | undefined;
  source: string | null | undefined;
  hint?: string | null;
  editable?: boolean | null;
}) {
  const source = fieldSourceText(props.source);
  return (
    <div className="jira-field">
      <p>
        <strong>Story points field:</strong> {props.name ? props.name : 'none detected'}
        {source ? ` (${source})` : ''}
        {props.editable === false ? ' · not editable, estimates cannot be pushed' : ''}
      </p>
      {props.hint ? <p className="meta">{props.hint}</p> : null}
    </div>
  );
}

function WebhookStatus({ mapping }: { mapping: Mapping }) {
  return (
    <div className="jira-webhook">
      <p>{webhookText(mapping.webhookStatus, mapping.webhookError)}</p>
      {mapping.autoImportError ? (
        <p className="meta">Last auto-import failed: {mapping.autoImportError}</p>
      ) : null}
    </div>
  );
}

function SettingsForm({
  roomId,
  mapping,
  canEdit,
  onSaved,
}: {
  roomId: string;
  mapping: Mapping | null;
  canEdit: boolean;
  onSaved: () => void;
}) {
  const [form, setForm] = useState<MappingForm>(() => formFromMapping(mapping));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [saveState, save] = useMutation(SetRoomJiraMappingDocument);
  const [removeState, remove] = useMutation(RemoveRoomJiraMappingDocument);
  const readOnly = !canEdit;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(null);
    const input = mappingInput(form);
    if ('error' in input) {
      setError(input.error);
      return;
    }
    setError(null);
    const response = await save({ roomId, input });
    const message = resultErrorMessage(response.error, response.data?.setRoomJiraMapping.errors);
    if (message) {
      setError(message);
      return;
    }
    setSaved('Jira settings saved.');
    onSaved();
  }

  async function onRemove() {
    setSaved(null);
    const response = await remove({ roomId });
    const message = resultErrorMessage(response.error, response.data?.removeRoomJiraMapping.errors);
    if (message) {
      setError(message);
      return;
    }
    setError(null);
    setForm(formFromMapping(null));
    setSaved('The Jira mapping was removed.');
    onSaved();
  }

  return (
    <form className="form" onSubmit={(event) => void onSubmit(event)}>
      {readOnly ? (
        <StatusMessage>Only the room’s owner can change these settings.</StatusMessage>
      ) : null}
      {readOnly ? (
        <dl className="details">
          <dt>Project</dt>
          <dd>{mapping?.projectKey ?? 'Not mapped'}</dd>
          <dt>Board</dt>
          <dd>{mapping?.boardId ?? 'None'}</dd>
          <dt>Sprint</dt>
          <dd>{mapping?.sprintId ?? 'None'}</dd>
        </dl>
      ) : (
        <JiraPickers
          value={{ projectKey: form.projectKey, boardId: form.boardId, sprint: form.sprintId }}
          onChange={(pick) => {
            setForm((current) => ({
              ...current,
              projectKey: pick.projectKey,
              boardId: pick.boardId,
              sprintId: pick.sprint,
              cloudId: pick.projectKey === mapping?.projectKey ? current.cloudId : null,
              storyPointsFieldId:
                pick.projectKey === current.projectKey ? current.storyPointsFieldId : null,
            }));
          }}
          withBacklog={false}
        />
      )}
      <Check
        label="Auto-import new sprint issues"
        checked={form.autoImport}
        disabled={readOnly}
        onChange={(autoImport) => {
          setForm((current) => ({ ...current, autoImport }));
        }}
      />
      <Check
        label="Push estimates to Jira"
        checked={form.autoPushEstimates}
        disabled={readOnly}
        onChange={(autoPushEstimates) => {
          setForm((current) => ({ ...current, autoPushEstimates }));
        }}
      />
      <Check
        label="Comment on push"
        checked={form.commentOnPush}
        disabled={readOnly || !form.autoPushEstimates}
        onChange={(commentOnPush) => {
          setForm((current) => ({ ...current, commentOnPush }));
        }}
      />
      <EstimateTargetPicker
        projectKey={form.projectKey}
        boardId={form.boardId}
        target={form.estimateTarget ?? 'STORY_POINTS'}
        fieldId={form.storyPointsFieldId}
        disabled={readOnly}
        onChange={(estimateTarget, storyPointsFieldId) => {
          setForm((current) => ({ ...current, estimateTarget, storyPointsFieldId }));
        }}
      />
      {readOnly ? (
        mapping ? (
          <FieldText name={mapping.storyPointsFieldId} source={mapping.storyPointsFieldSource} />
        ) : null
      ) : (
        <EstimationField projectKey={form.projectKey} boardId={form.boardId} />
      )}
      {mapping ? <WebhookStatus mapping={mapping} /> : null}
      <ErrorMessage message={error} />
      {saved ? <StatusMessage className="message message-success">{saved}</StatusMessage> : null}
      <div className="dialog-actions">
        {canEdit && mapping ? (
          <ConfirmDialog
            trigger="Remove mapping"
            title="Remove the Jira mapping?"
            description="The room stops following the Jira project. Imported issues stay."
            confirmLabel="Remove"
            disabled={removeState.fetching}
            onConfirm={onRemove}
          />
        ) : null}
        <Dialog.Close className="button">Close</Dialog.Close>
        {canEdit ? (
          <button type="submit" className="button button-primary" disabled={saveState.fetching}>
            Save
          </button>
        ) : null}
      </div>
    </form>
  );
}

function SettingsBody({ roomId, canEdit }: { roomId: string; canEdit: boolean }) {
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: RoomJiraMappingDocument,
    variables: { roomId },
    requestPolicy: 'cache-and-network',
  });
  if (!data && fetching) return <Loading label="Loading the Jira settings…" />;
  if (error && !data) return <JiraError error={error} />;
  const mapping = data?.room?.jiraMapping ?? null;
  return (
    <SettingsForm
      roomId={roomId}
      mapping={mapping}
      canEdit={canEdit}
      onSaved={() => {
        reexecute({ requestPolicy: 'network-only' });
      }}
    />
  );
}

/** Button "Jira settings" and its dialog: the owner edits the mapping, others read it. */
export function JiraSettingsDialog({ roomId, canEdit }: { roomId: string; canEdit: boolean }) {
  return (
    <Dialog.Root>
      <Dialog.Trigger className="button">Jira settings</Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="dialog-overlay" />
        <Dialog.Content className="dialog-content">
          <Dialog.Title className="dialog-title">Jira settings</Dialog.Title>
          <Dialog.Description className="dialog-description">
            Map this room to a Jira project, board and sprint.
          </Dialog.Description>
          <SettingsBody roomId={roomId} canEdit={canEdit} />
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
