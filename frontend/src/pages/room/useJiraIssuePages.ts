import {
  JiraImportIssuesDocument,
  type JiraImportIssuesQuery,
  type JiraIssueSourceInput,
} from '@generated/graphql';
import type { CombinedError } from '@urql/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient } from 'urql';

export type JiraIssueItem = JiraImportIssuesQuery['jiraIssues']['edges'][number]['node'];

export const ISSUE_PAGE_SIZE = 50;

interface Pages {
  issues: JiraIssueItem[];
  endCursor: string | null;
  hasNextPage: boolean;
  totalCount: number | null;
  fetching: boolean;
  error: CombinedError | null;
}

const EMPTY: Pages = {
  issues: [],
  endCursor: null,
  hasNextPage: false,
  totalCount: null,
  fetching: false,
  error: null,
};

/** The issues of a source, page by page over the Relay cursors; a new source starts over. */
export function useJiraIssuePages(source: JiraIssueSourceInput | null) {
  const client = useClient();
  const [pages, setPages] = useState<Pages>(EMPTY);
  const request = useRef(0);
  const sourceKey = source ? JSON.stringify(source) : null;

  const load = useCallback(
    async (after: string | null, ticket: number) => {
      if (!sourceKey) return;
      setPages((current) => ({ ...current, fetching: true, error: null }));
      const result = await client
        .query(
          JiraImportIssuesDocument,
          { source: JSON.parse(sourceKey) as JiraIssueSourceInput, first: ISSUE_PAGE_SIZE, after },
          { requestPolicy: 'network-only' },
        )
        .toPromise();
      if (ticket !== request.current) return;
      const connection = result.data?.jiraIssues;
      setPages((current) => {
        if (!connection) return { ...current, fetching: false, error: result.error ?? null };
        const seen = new Set(after ? current.issues.map((issue) => issue.key) : []);
        const fresh = connection.edges.map((edge) => edge.node).filter((i) => !seen.has(i.key));
        return {
          issues: after ? [...current.issues, ...fresh] : fresh,
          endCursor: connection.pageInfo.endCursor ?? null,
          hasNextPage: connection.pageInfo.hasNextPage && !!connection.pageInfo.endCursor,
          totalCount: connection.totalCount ?? null,
          fetching: false,
          error: null,
        };
      });
    },
    [client, sourceKey],
  );

  useEffect(() => {
    const ticket = ++request.current;
    setPages(EMPTY);
    void load(null, ticket);
  }, [load]);

  const loadMore = useCallback(() => {
    if (!pages.hasNextPage || pages.fetching) return;
    void load(pages.endCursor, request.current);
  }, [load, pages.endCursor, pages.fetching, pages.hasNextPage]);

  return { ...pages, loadMore };
}
