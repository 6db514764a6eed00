import { describe, expect, it } from 'vitest';
import { safeNextPath } from '../auth/AuthContext';
import { defaultIssueId, isHttpUrl, nextIssueAfter, roomIdFromInput } from './rooms';

describe('roomIdFromInput', () => {
  it('reads the id from a shared link or a bare id', () => {
    const id = 'a4b4487c-d121-42d6-b896-0e2432fc9741';
    expect(roomIdFromInput(`https://agilekit.example/rooms/${id}`)).toBe(id);
    expect(roomIdFromInput(`http://127.0.0.1:8000/rooms/${id}?issue=3#x`)).toBe(id);
    expect(roomIdFromInput(`  ${id} `)).toBe(id);
    expect(roomIdFromInput('')).toBeNull();
    expect(roomIdFromInput('https://example.com/not-a-room')).toBeNull();
    expect(roomIdFromInput('<script>')).toBeNull();
  });
});

describe('URLs', () => {
  it('only links http(s)', () => {
    expect(isHttpUrl('https://acme.atlassian.net/browse/A-1')).toBe(true);
    expect(isHttpUrl('javascript:alert(1)')).toBe(false);
    expect(isHttpUrl('not a url')).toBe(false);
    expect(isHttpUrl(null)).toBe(false);
  });

  it('returns after sign-in only to paths of this app', () => {
    expect(safeNextPath('/settings/integrations?code=a&state=b')).toBe(
      '/settings/integrations?code=a&state=b',
    );
    expect(safeNextPath('//evil.example')).toBe('/');
    expect(safeNextPath('/\\evil.example')).toBe('/');
    expect(safeNextPath('https://evil.example')).toBe('/');
    expect(safeNextPath(null)).toBe('/');
  });
});

describe('room page helpers', () => {
  const issues = [
    { id: 'a', status: 'ESTIMATED' as const },
    { id: 'b', status: 'REVEALED' as const },
    { id: 'c', status: 'PENDING' as const },
    { id: 'd', status: 'VOTING' as const },
  ];
  it('puts the issue being voted on the table by default', () => {
    expect(defaultIssueId(issues)).toBe('d');
    expect(defaultIssueId(issues.slice(0, 3))).toBe('b');
    expect(defaultIssueId([])).toBeNull();
    expect(nextIssueAfter(issues, 'b')).toBe('c');
    expect(nextIssueAfter(issues, 'd')).toBe('b');
    expect(nextIssueAfter([{ id: 'a', status: 'ESTIMATED' as const }], 'a')).toBeNull();
  });
});
