import type { DocumentNode } from '@0no-co/graphql.web';
import type { Exchange, Operation } from '@urql/core';
import {
  makeFetchBody,
  makeFetchOptions,
  makeFetchSource,
  makeFetchURL,
  type FetchBody,
} from '@urql/core/internal';
import { filter, merge, mergeMap, pipe, share, takeUntil } from 'wonka';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The trusted-document id of a document typed by GraphQL Code Generator's client preset
 * (persisted documents embed the manifest hash as `__meta__.hash`), or undefined.
 */
export function documentIdOf(document: DocumentNode): string | undefined {
  const meta = (document as { __meta__?: { hash?: unknown } }).__meta__;
  const hash = meta?.hash;
  return typeof hash === 'string' && SHA256_HEX.test(hash) ? `sha256:${hash}` : undefined;
}

/**
 * The request body for an operation: `{documentId, operationName, variables}` (GraphQL over
 * HTTP, persisted documents) when the document is in the manifest, else the query text.
 * (undefined members are left out of the JSON.)
 */
export function trustedBody(operation: Operation): FetchBody {
  const body = makeFetchBody(operation);
  const documentId = documentIdOf(operation.query);
  return documentId ? { ...body, query: undefined, documentId } : body;
}

/**
 * urql's fetchExchange, sending trusted document ids instead of query text. It uses urql's own
 * fetch helpers (multipart, cancellation, error results) and answers with the original
 * operation, so graphcache reads the full document it formatted.
 */
export const trustedFetchExchange: Exchange = ({ forward }) => {
  return (operations$) => {
    const shared$ = share(operations$);
    const results$ = pipe(
      shared$,
      filter((operation) => operation.kind === 'query' || operation.kind === 'mutation'),
      mergeMap((operation) => {
        const body = trustedBody(operation);
        const url = makeFetchURL(operation, body);
        const fetchOptions = makeFetchOptions(operation, body);
        const teardown$ = pipe(
          shared$,
          filter((next) => next.kind === 'teardown' && next.key === operation.key),
        );
        return pipe(makeFetchSource(operation, url, fetchOptions), takeUntil(teardown$));
      }),
    );
    const forwarded$ = forward(
      pipe(
        shared$,
        filter((operation) => operation.kind === 'teardown' || operation.kind === 'subscription'),
      ),
    );
    return merge([results$, forwarded$]);
  };
};

/**
 * graphql-ws insists on a `query` string in `subscribe` payloads before it serialises them;
 * this replacer (its `jsonMessageReplacer`) drops the placeholder when the payload names a
 * trusted document, since the server refuses a payload with both.
 */
export function dropQueryForDocumentId(key: string, value: unknown): unknown {
  if (key !== 'payload' || typeof value !== 'object' || value === null) return value;
  const payload = value as Record<string, unknown>;
  if (typeof payload.documentId !== 'string') return value;
  const { query: _query, ...rest } = payload;
  return rest;
}
