import type { CombinedError, TypedDocumentNode } from '@urql/core';
import { useEffect, useState } from 'react';
import { useClient } from 'urql';

export interface Connection<Node> {
  edges: readonly { node: Node }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

export interface EveryPage<Node> {
  nodes: Node[];
  fetching: boolean;
  error: CombinedError | null;
  /** more pages existed than `maxPages` allowed */
  truncated: boolean;
}

const IDLE = { nodes: [], fetching: false, error: null, truncated: false };

/**
 * Every page of a Relay connection, followed over its cursors (for a combobox, which cannot
 * "load more"): page one shows at once, the rest arrive behind it, up to `maxPages`. New
 * variables start over; a page that fails keeps what came before it and reports the error.
 */
export function useEveryPage<Data, Variables extends { after?: string | null }, Node>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  connectionOf: (data: Data) => Connection<Node>,
  options: { pause?: boolean; maxPages?: number } = {},
): EveryPage<Node> {
  const client = useClient();
  const [state, setState] = useState<EveryPage<Node>>(IDLE);
  const key = JSON.stringify(variables);
  const pause = options.pause ?? false;
  const maxPages = options.maxPages ?? 10;

  useEffect(() => {
    if (pause) {
      setState(IDLE);
      return;
    }
    let cancelled = false;
    async function follow() {
      setState({ ...IDLE, fetching: true });
      const base = JSON.parse(key) as Variables;
      let nodes: Node[] = [];
      let after: string | null = null;
      for (let page = 0; page < maxPages; page++) {
        const result = await client.query(document, { ...base, after }).toPromise();
        if (cancelled) return;
        if (!result.data) {
          setState({ nodes, fetching: false, error: result.error ?? null, truncated: false });
          return;
        }
        const connection = connectionOf(result.data);
        nodes = [...nodes, ...connection.edges.map((edge) => edge.node)];
        after = connection.pageInfo.hasNextPage ? (connection.pageInfo.endCursor ?? null) : null;
        const last = after === null || page === maxPages - 1;
        setState({ nodes, fetching: !last, error: null, truncated: last && after !== null });
        if (last) return;
      }
    }
    void follow();
    return () => {
      cancelled = true;
    };
    // `connectionOf` is a pure accessor; the variables are compared by value through `key`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, document, key, pause, maxPages]);

  return state;
}
