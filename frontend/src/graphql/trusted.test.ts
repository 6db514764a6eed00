import manifest from '@generated/persisted-documents.json';
import { MyRoomsDocument, RoomDocument, RoomEventsDocument } from '@generated/graphql';
import { Client, createRequest, gql, makeOperation, type OperationContext } from '@urql/core';
import { describe, expect, it, vi } from 'vitest';
import { documentIdOf, dropQueryForDocumentId, trustedBody, trustedFetchExchange } from './trusted';

const context = { url: '/graphql', requestPolicy: 'cache-first' } as OperationContext;

describe('trusted documents', () => {
  it('finds each typed document in the manifest by its hash', () => {
    const ids = Object.keys(manifest);
    for (const document of [RoomDocument, MyRoomsDocument, RoomEventsDocument]) {
      const id = documentIdOf(document);
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(ids).toContain(id?.slice('sha256:'.length));
    }
  });

  it('sends documentId, operationName and variables instead of the query', () => {
    const operation = makeOperation('query', createRequest(RoomDocument, { id: 'r1' }), context);
    const body = trustedBody(operation);
    expect(JSON.parse(JSON.stringify(body))).toEqual({
      documentId: documentIdOf(RoomDocument),
      operationName: 'Room',
      variables: { id: 'r1' },
    });
  });

  it('falls back to query text for a document that is not in the manifest', () => {
    const adhoc = gql`
      query Adhoc {
        viewer {
          id
        }
      }
    `;
    const body = trustedBody(makeOperation('query', createRequest(adhoc, {}), context));
    expect(body.documentId).toBeUndefined();
    expect(body.query).toContain('viewer');
  });

  it('posts the trusted body over HTTP', async () => {
    const fetch = vi.fn((_input: RequestInfo | URL, _init?: RequestInit) =>
      Promise.resolve(
        new Response(JSON.stringify({ data: { myRooms: [] } }), {
          headers: { 'content-type': 'application/json' },
        }),
      ),
    );
    const client = new Client({
      url: 'http://test.invalid/graphql',
      exchanges: [trustedFetchExchange],
      fetch,
      preferGetMethod: false,
      fetchOptions: { headers: { authorization: 'Bearer t' } },
    });
    const result = await client.query(MyRoomsDocument, {}).toPromise();
    expect(result.data).toEqual({ myRooms: [] });
    const init = fetch.mock.calls[0]?.[1];
    expect(init?.method).toBe('POST');
    expect(JSON.parse(init?.body as string)).toEqual({
      documentId: documentIdOf(MyRoomsDocument),
      operationName: 'MyRooms',
      variables: {},
    });
    expect((init?.headers as Record<string, string>).authorization).toBe('Bearer t');
  });

  it('drops the placeholder query from a websocket subscribe with a documentId', () => {
    const message = {
      id: '1',
      type: 'subscribe',
      payload: { query: '', documentId: 'sha256:abc', variables: { roomId: 'r1' } },
    };
    expect(JSON.parse(JSON.stringify(message, dropQueryForDocumentId))).toEqual({
      id: '1',
      type: 'subscribe',
      payload: { documentId: 'sha256:abc', variables: { roomId: 'r1' } },
    });
    const init = { type: 'connection_init', payload: { authorization: 'Bearer t' } };
    expect(JSON.parse(JSON.stringify(init, dropQueryForDocumentId))).toEqual(init);
  });
});
