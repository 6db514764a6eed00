import {
  JiraImportBoardsDocument,
  JiraImportProjectsDocument,
  JiraImportSprintsDocument,
  type JiraImportBoardsQuery,
  type JiraImportProjectsQuery,
  type JiraSprintState,
} from '@generated/graphql';
import { useId, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useQuery } from 'urql';
import { ErrorMessage } from '../../components/Messages';
import { useEveryPage } from './useEveryPage';
import { combinedErrorMessage, errorCode } from '../../graphql/errors';
import { BACKLOG, toInt } from '../../lib/jira';

export interface JiraPick {
  projectKey: string;
  boardId: string;
  /** a sprint id, BACKLOG, or "" */
  sprint: string;
}

const SPRINT_STATES: JiraSprintState[] = ['ACTIVE', 'FUTURE'];
const projectsOf = (data: JiraImportProjectsQuery) => data.jiraProjects;
const boardsOf = (data: JiraImportBoardsQuery) => data.jiraBoards;

/** A top-level Jira error as an alert, linking to the integrations page when it helps. */
export function JiraError({ error }: { error: Parameters<typeof combinedErrorMessage>[0] }) {
  const message = combinedErrorMessage(error);
  const code = errorCode(error);
  return (
    <ErrorMessage message={message}>
      {code === 'NOT_CONNECTED' || code === 'NEEDS_REAUTH' ? (
        <p>
          <Link to="/settings/integrations">Open Integrations</Link>
        </p>
      ) : null}
    </ErrorMessage>
  );
}

function Select(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  disabled?: boolean;
  busy?: boolean;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        disabled={props.disabled}
        aria-busy={props.busy ? true : undefined}
        onChange={(event) => {
          props.onChange(event.target.value);
        }}
      >
        {props.children}
      </select>
    </div>
  );
}

/**
 * Comboboxes "Project", "Board" and "Sprint" (active and future sprints; "Backlog" with
 * `withBacklog`). Changing one clears those after it.
 */
export function JiraPickers({
  value,
  onChange,
  withBacklog,
  disabled,
}: {
  value: JiraPick;
  onChange: (value: JiraPick) => void;
  withBacklog: boolean;
  disabled?: boolean;
}) {
  const off = disabled ?? false;
  const boardId = toInt(value.boardId);
  const projects = useEveryPage(JiraImportProjectsDocument, { first: 100 }, projectsOf);
  const boards = useEveryPage(
    JiraImportBoardsDocument,
    { projectKey: value.projectKey, first: 50 },
    boardsOf,
    { pause: !value.projectKey },
  );
  const [sprints] = useQuery({
    query: JiraImportSprintsDocument,
    variables: { boardId: boardId ?? 0, states: SPRINT_STATES },
    pause: boardId === null,
  });
  const projectList = projects.nodes;
  const boardList = value.projectKey ? boards.nodes : [];
  const loadingProjects = projects.fetching && !projectList.length;
  const loadingBoards = boards.fetching && !boardList.length;
  const sprintList = boardId === null ? [] : (sprints.data?.jiraSprints ?? []);
  const error = projects.error ?? boards.error ?? sprints.error;

  return (
    <div className="jira-pickers">
      {error ? <JiraError error={error} /> : null}
      <Select
        label="Project"
        value={value.projectKey}
        disabled={off || loadingProjects}
        busy={projects.fetching}
        onChange={(projectKey) => {
          onChange({ projectKey, boardId: '', sprint: '' });
        }}
      >
        <option value="">
          {loadingProjects
            ? 'Loading projects…'
            : projectList.length
              ? 'Choose a project'
              : 'No projects'}
        </option>
        {value.projectKey && !projectList.some((p) => p.key === value.projectKey) ? (
          <option value={value.projectKey}>{value.projectKey}</option>
        ) : null}
        {projectList.map((project) => (
          <option key={project.id} value={project.key}>
            {project.name} ({project.key})
          </option>
        ))}
      </Select>
      <Select
        label="Board"
        value={value.boardId}
        disabled={off || !value.projectKey || loadingBoards}
        busy={boards.fetching}
        onChange={(next) => {
          onChange({ ...value, boardId: next, sprint: '' });
        }}
      >
        <option value="">
          {loadingBoards
            ? 'Loading boards…'
            : !value.projectKey
              ? 'Choose a project first'
              : boardList.length
                ? 'Choose a board'
                : 'No boards'}
        </option>
        {value.boardId && !boardList.some((b) => String(b.id) === value.boardId) ? (
          <option value={value.boardId}>Board {value.boardId}</option>
        ) : null}
        {boardList.map((board) => (
          <option key={board.id} value={String(board.id)}>
            {board.name} ({board.type.toLowerCase()})
          </option>
        ))}
      </Select>
      <Select
        label="Sprint"
        value={value.sprint}
        disabled={off || boardId === null || sprints.fetching}
        busy={sprints.fetching}
        onChange={(sprint) => {
          onChange({ ...value, sprint });
        }}
      >
        <option value="">
          {sprints.fetching
            ? 'Loading sprints…'
            : boardId === null
              ? 'Choose a board first'
              : withBacklog
                ? 'Choose a sprint'
                : 'No sprint'}
        </option>
        {withBacklog && boardId !== null ? <option value={BACKLOG}>Backlog</option> : null}
        {value.sprint &&
        value.sprint !== BACKLOG &&
        !sprintList.some((s) => String(s.id) === value.sprint) ? (
          <option value={value.sprint}>Sprint {value.sprint}</option>
        ) : null}
        {sprintList.map((sprint) => (
          <option key={sprint.id} value={String(sprint.id)}>
            {sprint.name} ({sprint.state === 'ACTIVE' ? 'active' : 'future'})
          </option>
        ))}
      </Select>
    </div>
  );
}
