import type {
  EstimateTarget,
  JiraIssueSourceInput,
  RoomJiraMappingInput,
} from '@generated/graphql';
import type { UserErrorLike } from '../graphql/errors';

/** The sprint combobox's value for the board's backlog. */
export const BACKLOG = 'backlog';

/** At most this many keys go to one importJiraIssues call. */
export const IMPORT_BATCH = 100;

/**
 * Where the import dialog reads issues from: a JQL query, else a saved filter, else a sprint or
 * a board's backlog.
 */
export function issueSource(choice: {
  boardId: string;
  sprint: string;
  jql: string;
  filterId?: string;
}): JiraIssueSourceInput | null {
  const jql = choice.jql.trim();
  if (jql) return { jql };
  const filterId = toInt(choice.filterId);
  if (filterId !== null) return { filterId };
  const boardId = toInt(choice.boardId);
  if (choice.sprint === BACKLOG) return boardId === null ? null : { backlogBoardId: boardId };
  const sprintId = toInt(choice.sprint);
  return sprintId === null ? null : { sprintId };
}

/** A positive integer from a combobox value, or null. */
export function toInt(value: string | null | undefined): number | null {
  if (!value || !/^\d+$/.test(value)) return null;
  const number = Number(value);
  return Number.isSafeInteger(number) && number > 0 ? number : null;
}

/**
 * The issues picked for import, across pages: either the keys picked one by one, or "all"
 * (every loaded issue, including pages loaded later) minus those unticked since.
 */
export type Selection =
  { mode: 'some'; keys: ReadonlySet<string> } | { mode: 'all'; excluded: ReadonlySet<string> };

export const NO_SELECTION: Selection = { mode: 'some', keys: new Set() };

export function isSelected(selection: Selection, key: string): boolean {
  return selection.mode === 'all' ? !selection.excluded.has(key) : selection.keys.has(key);
}

/** The picked keys among the loaded ones, in list order. */
export function selectedKeys(selection: Selection, loaded: readonly string[]): string[] {
  return [...new Set(loaded)].filter((key) => isSelected(selection, key));
}

export function toggleKey(selection: Selection, key: string): Selection {
  if (selection.mode === 'all') {
    const excluded = new Set(selection.excluded);
    if (excluded.has(key)) excluded.delete(key);
    else excluded.add(key);
    return { mode: 'all', excluded };
  }
  const keys = new Set(selection.keys);
  if (keys.has(key)) keys.delete(key);
  else keys.add(key);
  return { mode: 'some', keys };
}

/** "Select all": ticked when every loaded issue is picked, mixed when some are. */
export function selectAllState(
  selection: Selection,
  loaded: readonly string[],
): 'all' | 'some' | 'none' {
  const count = selectedKeys(selection, loaded).length;
  if (count === 0) return 'none';
  return count === new Set(loaded).size ? 'all' : 'some';
}

/** Ticking "Select all" picks everything (later pages too); unticking it clears the pick. */
export function toggleAll(selection: Selection, loaded: readonly string[]): Selection {
  return selectAllState(selection, loaded) === 'all'
    ? NO_SELECTION
    : { mode: 'all', excluded: new Set() };
}

/** Keys split into importJiraIssues calls of at most `size`. */
export function importBatches(keys: readonly string[], size = IMPORT_BATCH): string[][] {
  const batches: string[][] = [];
  for (let start = 0; start < keys.length; start += size) {
    batches.push(keys.slice(start, start + size));
  }
  return batches;
}

export interface ImportFailure {
  /** the issue key, or null for an error not about one key */
  key: string | null;
  message: string;
}

export interface ImportSummary {
  imported: number;
  created: number;
  updated: number;
  failures: ImportFailure[];
}

export const EMPTY_SUMMARY: ImportSummary = { imported: 0, created: 0, updated: 0, failures: [] };

/** The key a payload error is about: its field is "issueKeys[i]" for the batch's i-th key. */
export function failedKey(
  field: string | null | undefined,
  batch: readonly string[],
): string | null {
  const match = /^issueKeys\[(\d+)\]$/.exec(field ?? '');
  if (!match) return null;
  return batch[Number(match[1])] ?? null;
}

/** Adds one importJiraIssues payload (for `batch`) to the running summary. */
export function addImportPayload(
  summary: ImportSummary,
  batch: readonly string[],
  payload: {
    issues: readonly unknown[];
    created: number;
    updated: number;
    errors: readonly UserErrorLike[];
  },
): ImportSummary {
  return {
    imported: summary.imported + payload.issues.length,
    created: summary.created + payload.created,
    updated: summary.updated + payload.updated,
    failures: [
      ...summary.failures,
      ...payload.errors.map((error) => {
        const key = failedKey(error.field, batch);
        let message = error.message.trim();
        // the server's message may already start with the key ("ABC-1: not found …")
        if (key && message.startsWith(`${key}:`)) message = message.slice(key.length + 1).trim();
        return { key, message: message || 'It could not be imported.' };
      }),
    ],
  };
}

/** The settings form's values (combobox values are strings; "" means none). */
export interface MappingForm {
  projectKey: string;
  boardId: string;
  sprintId: string;
  autoImport: boolean;
  autoPushEstimates: boolean;
  commentOnPush: boolean;
  estimateTarget?: EstimateTarget;
  /** kept from the saved mapping when the project stays the same; SELECT_FIELD's field */
  storyPointsFieldId?: string | null;
  cloudId?: string | null;
}

/** What each estimate target writes, for the "Estimate into" combobox. */
export const ESTIMATE_TARGETS: readonly { value: EstimateTarget; label: string }[] = [
  { value: 'STORY_POINTS', label: 'Story points (the card’s number)' },
  { value: 'ORIGINAL_ESTIMATE', label: 'Original estimate (the card’s number, in hours)' },
  { value: 'SELECT_FIELD', label: 'A select field (the option named like the card)' },
];

/** setRoomJiraMapping's input from the form, or an error text when the form is incomplete. */
export function mappingInput(form: MappingForm): RoomJiraMappingInput | { error: string } {
  const projectKey = form.projectKey.trim();
  if (!projectKey) return { error: 'Choose a project.' };
  const boardId = toInt(form.boardId);
  const sprintId = boardId === null ? null : toInt(form.sprintId);
  if (form.autoImport && boardId === null) {
    return { error: 'Choose a board to auto-import its new sprint issues.' };
  }
  const target = form.estimateTarget ?? 'STORY_POINTS';
  if (target === 'SELECT_FIELD' && !form.storyPointsFieldId) {
    return { error: 'Choose the select field the estimate goes to.' };
  }
  const input: RoomJiraMappingInput = {
    projectKey,
    boardId,
    sprintId,
    autoImport: form.autoImport,
    autoPushEstimates: form.autoPushEstimates,
    commentOnPush: form.autoPushEstimates && form.commentOnPush,
  };
  if (form.cloudId) input.cloudId = form.cloudId;
  if (form.estimateTarget) input.estimateTarget = form.estimateTarget;
  if (form.storyPointsFieldId && target !== 'ORIGINAL_ESTIMATE') {
    input.storyPointsFieldId = form.storyPointsFieldId;
  }
  return input;
}

const FIELD_SOURCES: Record<string, string> = {
  GIVEN: 'set for this room',
  BOARD_CONFIGURATION: 'from the board’s estimation setting',
  EDITMETA: 'from the issue screens',
  FIELD_NAME: 'found by its name',
};

/** A readable text for where the story-points field was detected. */
export function fieldSourceText(source: string | null | undefined): string | null {
  if (!source) return null;
  return Object.hasOwn(FIELD_SOURCES, source) ? (FIELD_SOURCES[source] ?? null) : source;
}

const WEBHOOK_STATUS: Record<string, string> = {
  NONE: 'No webhook: changes in Jira are not followed.',
  ACTIVE: 'Webhook active: changes in Jira are followed.',
  FAILED: 'The webhook could not be registered.',
  EXPIRED: 'The webhook expired.',
};

/** The webhook status as a sentence, with its reason when it failed. */
export function webhookText(status: string, error?: string | null): string {
  const text = Object.hasOwn(WEBHOOK_STATUS, status)
    ? (WEBHOOK_STATUS[status] ?? status)
    : `Webhook: ${status}.`;
  const reason = error?.trim();
  return reason ? `${text} Reason: ${reason}` : text;
}

/** An issue's label for its checkbox: key, summary and the story points it has. */
export function issueLabel(issue: { key: string; summary: string; storyPoints?: number | null }) {
  const points =
    issue.storyPoints === null || issue.storyPoints === undefined
      ? ''
      : ` (${issue.storyPoints} ${issue.storyPoints === 1 ? 'point' : 'points'})`;
  return `${issue.key} ${issue.summary}${points}`;
}
