import { JiraImportFiltersDocument, type JiraImportFiltersQuery } from '@generated/graphql';
import { useId } from 'react';
import { useEveryPage } from './useEveryPage';

const filtersOf = (data: JiraImportFiltersQuery) => data.jiraFilters;

/**
 * Combobox "Saved filter": the Jira filters the user can see (every page), by name. Its Jira
 * errors are the project picker's too, which shows them; this one only says it has none.
 */
export function SavedFilterPicker(props: {
  value: string;
  disabled: boolean;
  onChange: (filterId: string) => void;
}) {
  const id = useId();
  const filters = useEveryPage(JiraImportFiltersDocument, { first: 50 }, filtersOf);
  const loading = filters.fetching && !filters.nodes.length;
  const chosen = filters.nodes.find((filter) => String(filter.id) === props.value);
  return (
    <div className="field">
      <label htmlFor={id}>Saved filter</label>
      <select
        id={id}
        value={props.value}
        disabled={props.disabled || loading}
        aria-busy={filters.fetching ? true : undefined}
        onChange={(event) => {
          props.onChange(event.target.value);
        }}
      >
        <option value="">
          {loading
            ? 'Loading filters…'
            : filters.nodes.length
              ? 'None'
              : filters.error
                ? 'Saved filters could not be loaded'
                : 'No saved filters'}
        </option>
        {filters.nodes.map((filter) => (
          <option key={filter.id} value={String(filter.id)}>
            {filter.name}
            {filter.owner ? ` (${filter.owner})` : ''}
          </option>
        ))}
      </select>
      {chosen ? <p className="meta">{chosen.jql}</p> : null}
    </div>
  );
}
