import {
  Client,
  getOperationName,
  makeResult,
  type Exchange,
  type Operation,
  type OperationResult,
} from '@urql/core';
import { empty, filter, fromValue, mergeMap, pipe, type Source } from 'wonka';

export type Reply = { data: unknown } | { errorCode: string } | Source<OperationResult> | undefined;

export type Responder = (operation: Operation, name: string | undefined) => Reply;

/** A terminating exchange answering each operation from `respond` (by operation name). */
export function mockExchange(respond: Responder): Exchange {
  return () => (operations$) =>
    pipe(
      operations$,
      filter((operation) => operation.kind !== 'teardown'),
      mergeMap((operation): Source<OperationResult> => {
        const reply = respond(operation, getOperationName(operation.query));
        if (reply === undefined) return empty;
        if (typeof reply === 'function') return reply;
        if ('errorCode' in reply) {
          return fromValue(
            makeResult(operation, {
              data: null,
              errors: [{ message: 'raw server text', extensions: { code: reply.errorCode } }],
            }),
          );
        }
        return fromValue(makeResult(operation, { data: reply.data as Record<string, unknown> }));
      }),
    );
}

export function mockClient(respond: Responder, exchanges: Exchange[] = []): Client {
  return new Client({
    url: 'http://test.invalid/graphql',
    exchanges: [...exchanges, mockExchange(respond)],
    requestPolicy: 'cache-first',
  });
}
