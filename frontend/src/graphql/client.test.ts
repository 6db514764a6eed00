import { describe, expect, it } from 'vitest';
import { apiEndpoints, retryDelay, websocketUrl } from './client';

const page = { protocol: 'https:', host: 'app.example.com' };

describe('apiEndpoints', () => {
  it('uses the page’s own origin when no API URL was built in', () => {
    expect(apiEndpoints(undefined, page)).toEqual({
      url: '/graphql',
      wsUrl: 'wss://app.example.com/graphql',
    });
    expect(apiEndpoints('  ', page).url).toBe('/graphql');
  });

  it('points HTTP and the websocket at another origin', () => {
    expect(apiEndpoints('https://api.example.com/ignored/path', page)).toEqual({
      url: 'https://api.example.com/graphql',
      wsUrl: 'wss://api.example.com/graphql',
    });
    expect(apiEndpoints('http://127.0.0.1:8000', page).wsUrl).toBe('ws://127.0.0.1:8000/graphql');
  });

  it('refuses what is not an http(s) URL', () => {
    expect(() => apiEndpoints('ftp://api.example.com', page)).toThrow(/http\(s\) URL/);
    expect(() => apiEndpoints('api.example.com', page)).toThrow();
  });
});

describe('websocketUrl and retryDelay', () => {
  it('follows the page’s scheme', () => {
    expect(websocketUrl({ protocol: 'http:', host: 'localhost:5173' })).toBe(
      'ws://localhost:5173/graphql',
    );
  });

  it('backs off exponentially with jitter, capped at 30 s', () => {
    expect(retryDelay(0, () => 0)).toBe(500);
    expect(retryDelay(0, () => 1)).toBe(1000);
    expect(retryDelay(3, () => 1)).toBe(8000);
    expect(retryDelay(50, () => 1)).toBe(30000);
  });
});
