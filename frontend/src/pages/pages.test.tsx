import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import { never } from 'wonka';
import { RequireAuth } from '../auth/RequireAuth';
import { authStore } from '../auth/store';
import { fakeJwt, inSeconds } from '../test/jwt';
import { mockClient, type Responder } from '../test/mockClient';
import { renderWithClient } from '../test/render';
import IntegrationsPage from './IntegrationsPage';
import RoomPage from './room/RoomPage';
import RoomsPage from './RoomsPage';
import SignInPage from './SignInPage';

const member = (id: string, role: string, online = true) => ({
  __typename: 'RoomMember',
  role,
  online,
  joinedAt: '2025-01-01T10:00:00',
  user: { __typename: 'User', id, name: `User ${id}`, email: `${id}@example.com` },
});

/** The room's one issue as the room page lists it. */
const listedIssue = {
  __typename: 'Issue',
  id: 'i1',
  title: 'Login page',
  description: null,
  status: 'VOTING',
  finalEstimate: null,
  position: 1,
  round: 1,
  votingEndsAt: null,
};

function room(viewerRole: string | null) {
  return {
    __typename: 'Room',
    id: 'r1',
    name: 'Sprint 12',
    deck: ['1', '2', '3'],
    cards: ['1', '2', '3'].map((label) => ({
      __typename: 'DeckCard',
      label,
      value: Number(label),
    })),
    autoReveal: false,
    defaultVotingSeconds: null,
    createdAt: '2025-01-01T10:00:00',
    viewerRole,
    owner: { __typename: 'User', id: 'u1', name: 'User u1' },
    memberships: [member('u1', 'FACILITATOR'), member('u2', 'VOTER', false)],
    issues: [listedIssue],
  };
}

const votingIssue = {
  ...listedIssue,
  votes: [],
  stats: null,
  rounds: [],
};

function roomResponder(viewerId: string, role: string | null, extra?: Responder): Responder {
  return (operation, name) => {
    const answer = extra?.(operation, name);
    if (answer) return answer;
    switch (name) {
      case 'Room':
        return role ? { data: { room: room(role) } } : { errorCode: 'FORBIDDEN' };
      case 'Viewer':
        return {
          data: {
            viewer: { __typename: 'User', id: viewerId, email: 'x', name: 'x', plan: 'FREE' },
          },
        };
      case 'Issue':
        return { data: { issue: votingIssue } };
      case 'RoomEvents':
        return never;
      default:
        return undefined;
    }
  };
}

describe('RoomPage', () => {
  it('offers "Join room" to a signed-in visitor who is not a member', async () => {
    const respond = vi.fn(
      roomResponder('u9', null, (_operation, name) =>
        name === 'JoinRoom'
          ? { data: { joinRoom: { room: room('VOTER'), errors: [] } } }
          : undefined,
      ),
    );
    renderWithClient(<RoomPage />, {
      client: mockClient(respond),
      path: '/rooms/r1',
      route: '/rooms/:roomId',
    });
    await userEvent.click(await screen.findByRole('button', { name: 'Join room' }));
    expect(respond.mock.calls.some(([, name]) => name === 'JoinRoom')).toBe(true);
  });

  it('shows the issues, the members and the facilitator’s controls', async () => {
    renderWithClient(<RoomPage />, {
      client: mockClient(roomResponder('u1', 'FACILITATOR')),
      path: '/rooms/r1',
      route: '/rooms/:roomId',
    });
    const issues = await screen.findByRole('region', { name: 'Issues' });
    expect(within(issues).getByRole('button', { name: 'Login page' })).toBeTruthy();
    expect(within(issues).getByRole('textbox', { name: 'Title' })).toBeTruthy();
    expect(within(issues).getByRole('button', { name: 'Add issue' })).toBeTruthy();
    expect(within(issues).getByRole('button', { name: 'Move up: Login page' })).toBeTruthy();

    const members = screen.getByRole('region', { name: 'Members' });
    expect(within(members).getByText('User u2')).toBeTruthy();
    expect(within(members).getByText('offline')).toBeTruthy();
    expect(within(members).getByRole('combobox', { name: 'Role of User u2' })).toBeTruthy();

    expect(await screen.findByRole('group', { name: 'Your vote' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Reveal' })).toBeTruthy();
  });

  it('hides facilitator controls from a voter', async () => {
    renderWithClient(<RoomPage />, {
      client: mockClient(roomResponder('u2', 'VOTER')),
      path: '/rooms/r1',
      route: '/rooms/:roomId',
    });
    expect(await screen.findByRole('group', { name: 'Your vote' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Reveal' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Move up/ })).toBeNull();
    expect(screen.getByRole('button', { name: 'Add issue' })).toBeTruthy();
  });
});

describe('RoomsPage', () => {
  it('lists rooms as links and creates one with "New room"', async () => {
    const respond = vi.fn<Responder>((_operation, name) => {
      if (name === 'MyRooms') {
        return {
          data: {
            myRooms: [
              { __typename: 'Room', id: 'r1', name: 'Sprint 12', createdAt: '2025-01-01T10:00:00' },
            ],
          },
        };
      }
      if (name === 'CreateRoom') {
        return {
          data: {
            createRoom: {
              __typename: 'CreateRoomPayload',
              room: null,
              errors: [{ code: 'VALIDATION', field: 'name', message: 'The name is too long.' }],
            },
          },
        };
      }
      return undefined;
    });
    renderWithClient(<RoomsPage />, { client: mockClient(respond) });
    expect((await screen.findByRole('link', { name: 'Sprint 12' })).getAttribute('href')).toBe(
      '/rooms/r1',
    );
    await userEvent.click(screen.getByRole('button', { name: 'New room' }));
    await userEvent.type(screen.getByRole('textbox', { name: 'Room name' }), 'Planning');
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The name is too long.');
  });
});

describe('SignInPage', () => {
  it('signs in with email and name and keeps the token', async () => {
    const token = fakeJwt({ sub: 'u1', exp: inSeconds(3600) });
    const respond = vi.fn<Responder>(() => ({
      data: { devSignIn: { token, user: null, errors: [] } },
    }));
    renderWithClient(<SignInPage />, { client: mockClient(respond), path: '/signin' });
    await userEvent.type(screen.getByRole('textbox', { name: 'Email' }), 'ada@example.com');
    await userEvent.type(screen.getByRole('textbox', { name: 'Name' }), 'Ada');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => {
      expect(authStore.getToken()).toBe(token);
    });
    expect(respond.mock.calls[0]?.[0].variables).toEqual({
      email: 'ada@example.com',
      name: 'Ada',
      plan: null,
    });
    authStore.clear('signed-out');
  });
});

describe('RequireAuth', () => {
  it('shows a signed-out page with a link to sign in', () => {
    authStore.clear('expired');
    render(
      <MemoryRouter initialEntries={['/rooms/r1']}>
        <Routes>
          <Route element={<RequireAuth />}>
            <Route path="/rooms/:roomId" element={<p>room</p>} />
          </Route>
        </Routes>
      </MemoryRouter>,
    );
    expect(screen.getByRole('heading', { name: 'Your session has expired' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe(
      '/signin?next=%2Frooms%2Fr1',
    );
  });
});

const connection = {
  __typename: 'JiraConnection',
  id: 'c1',
  status: 'ACTIVE',
  accountEmail: 'ada@example.com',
  scopes: [],
  connectedAt: '2025-01-01T10:00:00',
  expiresAt: '2025-01-01T11:00:00',
  lastRefreshedAt: '2025-01-01T10:00:00',
  needsReauthReason: null,
  reconnectBy: '2026-01-01T10:00:00',
  site: {
    __typename: 'JiraSite',
    cloudId: 'a',
    url: 'https://acme.atlassian.net',
    name: 'Acme',
    avatarUrl: null,
  },
  sites: [
    {
      __typename: 'JiraSite',
      cloudId: 'a',
      url: 'https://acme.atlassian.net',
      name: 'Acme',
      avatarUrl: null,
    },
    {
      __typename: 'JiraSite',
      cloudId: 'b',
      url: 'https://beta.atlassian.net',
      name: 'Beta',
      avatarUrl: null,
    },
  ],
};

describe('IntegrationsPage', () => {
  it('completes ?code&state once and shows the connected site', async () => {
    const respond = vi.fn<Responder>((_operation, name) => {
      if (name === 'CompleteJiraConnect') {
        return { data: { completeJiraConnect: { connection, returnTo: null, errors: [] } } };
      }
      if (name === 'JiraConnectionSettings') return { data: { jiraConnection: connection } };
      if (name === 'SelectJiraSite') {
        return { data: { selectJiraSite: { connection, errors: [] } } };
      }
      return undefined;
    });
    renderWithClient(<IntegrationsPage />, {
      client: mockClient(respond),
      path: '/settings/integrations?code=abc&state=xyz',
    });
    expect(screen.getByRole('heading', { name: 'Integrations' })).toBeTruthy();
    expect(await screen.findByText('Jira connected')).toBeTruthy();
    const completions = respond.mock.calls.filter(([, name]) => name === 'CompleteJiraConnect');
    expect(completions).toHaveLength(1);
    expect(completions[0]?.[0].variables).toEqual({ code: 'abc', state: 'xyz' });
    expect(screen.getByText('Acme')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'https://acme.atlassian.net' })).toBeTruthy();

    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Jira site' }), 'b');
    expect(
      respond.mock.calls.some(
        ([operation, name]) => name === 'SelectJiraSite' && operation.variables?.cloudId === 'b',
      ),
    ).toBe(true);

    await userEvent.click(screen.getByRole('button', { name: 'Disconnect' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Disconnect Jira?' });
    expect(within(dialog).getByRole('button', { name: 'Disconnect' })).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
  });

  it('explains ?error=access_denied and offers "Connect Jira"', async () => {
    renderWithClient(<IntegrationsPage />, {
      client: mockClient((_operation, name) =>
        name === 'JiraConnectionSettings' ? { data: { jiraConnection: null } } : undefined,
      ),
      path: '/settings/integrations?error=access_denied',
    });
    expect((await screen.findByRole('alert')).textContent).toMatch(/access was declined/);
    expect(await screen.findByRole('button', { name: 'Connect Jira' })).toBeTruthy();
  });
});
