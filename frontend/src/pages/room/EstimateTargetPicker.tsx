import { JiraImportEstimationFieldDocument, type EstimateTarget } from '@generated/graphql';
import { useId } from 'react';
import { useQuery } from 'urql';
import { ESTIMATE_TARGETS, toInt } from '../../lib/jira';

/**
 * Comboboxes "Estimate into" (story points, original estimate, a select field) and, for a
 * select field, "Select field" with the project's single-select fields that are on an edit
 * screen (the detection's candidates) and their options.
 */
export function EstimateTargetPicker(props: {
  projectKey: string;
  boardId: string;
  target: EstimateTarget;
  fieldId: string | null | undefined;
  disabled: boolean;
  onChange: (target: EstimateTarget, fieldId: string | null) => void;
}) {
  const targetId = useId();
  const fieldSelectId = useId();
  const [{ data, fetching }] = useQuery({
    query: JiraImportEstimationFieldDocument,
    variables: { projectKey: props.projectKey, boardId: toInt(props.boardId) },
    pause: !props.projectKey || props.target !== 'SELECT_FIELD',
  });
  const selectFields = (data?.jiraEstimationField.candidates ?? []).filter(
    (candidate) => candidate.estimateTarget === 'SELECT_FIELD',
  );
  const chosen = selectFields.find((candidate) => candidate.fieldId === props.fieldId);
  return (
    <div className="jira-pickers">
      <div className="field">
        <label htmlFor={targetId}>Estimate into</label>
        <select
          id={targetId}
          value={props.target}
          disabled={props.disabled}
          onChange={(event) => {
            props.onChange(event.target.value as EstimateTarget, null);
          }}
        >
          {ESTIMATE_TARGETS.map((target) => (
            <option key={target.value} value={target.value}>
              {target.label}
            </option>
          ))}
        </select>
      </div>
      {props.target === 'SELECT_FIELD' ? (
        <div className="field">
          <label htmlFor={fieldSelectId}>Select field</label>
          <select
            id={fieldSelectId}
            value={props.fieldId ?? ''}
            disabled={props.disabled || fetching}
            aria-busy={fetching ? true : undefined}
            onChange={(event) => {
              props.onChange('SELECT_FIELD', event.target.value || null);
            }}
          >
            <option value="">
              {fetching
                ? 'Looking for select fields…'
                : selectFields.length
                  ? 'Choose a field'
                  : 'No select field on this project’s screens'}
            </option>
            {props.fieldId && !chosen ? (
              <option value={props.fieldId}>{props.fieldId}</option>
            ) : null}
            {selectFields.map((candidate) => (
              <option key={candidate.fieldId} value={candidate.fieldId}>
                {candidate.name}
              </option>
            ))}
          </select>
          {chosen ? (
            <p className="meta">
              Options: {chosen.options.join(', ')}. A card whose label names none of them is not
              pushed.
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
