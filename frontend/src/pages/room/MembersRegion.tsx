import {
  RemoveMemberDocument,
  SetMemberRoleDocument,
  type RoomMemberFieldsFragment,
  type RoomRole,
} from '@generated/graphql';
import { useId } from 'react';
import { useMutation } from 'urql';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useToast } from '../../components/Toasts';
import { resultErrorMessage } from '../../graphql/errors';
import { roleLabel } from '../../lib/format';
import { displayName } from './Results';

const ROLES: readonly RoomRole[] = ['FACILITATOR', 'VOTER', 'SPECTATOR'];

export function MembersRegion({
  roomId,
  memberships,
  ownerId,
  viewerId,
  canFacilitate,
}: {
  roomId: string;
  memberships: readonly RoomMemberFieldsFragment[];
  ownerId: string;
  viewerId: string | null;
  canFacilitate: boolean;
}) {
  const [, setRole] = useMutation(SetMemberRoleDocument);
  const [, removeMember] = useMutation(RemoveMemberDocument);
  const notify = useToast();
  const headingId = useId();
  const online = memberships.filter((member) => member.online).length;

  async function changeRole(member: RoomMemberFieldsFragment, role: RoomRole) {
    const response = await setRole({ roomId, userId: member.user.id, role });
    const message = resultErrorMessage(response.error, response.data?.setMemberRole.errors);
    if (message) notify('Could not change the role', { description: message, tone: 'error' });
  }

  async function remove(member: RoomMemberFieldsFragment) {
    const response = await removeMember({ roomId, userId: member.user.id });
    const message = resultErrorMessage(response.error, response.data?.removeMember.errors);
    if (message) notify('Could not remove the member', { description: message, tone: 'error' });
  }

  return (
    <section aria-labelledby={headingId} className="card members">
      <h2 id={headingId}>Members</h2>
      <p className="meta">
        {memberships.length} {memberships.length === 1 ? 'member' : 'members'}, {online} online
      </p>
      <ul className="member-list">
        {memberships.map((member) => {
          const name = displayName(member.user);
          const isOwner = member.user.id === ownerId;
          const isViewer = member.user.id === viewerId;
          return (
            <li key={member.user.id} className="member">
              <span
                className={member.online ? 'presence online' : 'presence offline'}
                aria-hidden="true"
              />
              <span className="member-name">
                {name}
                {isViewer ? ' (you)' : ''}
              </span>
              <span className="member-presence">{member.online ? 'online' : 'offline'}</span>
              {canFacilitate && !isOwner ? (
                <select
                  aria-label={`Role of ${name}`}
                  value={member.role}
                  onChange={(event) => void changeRole(member, event.target.value as RoomRole)}
                >
                  {ROLES.map((role) => (
                    <option key={role} value={role}>
                      {roleLabel(role)}
                    </option>
                  ))}
                </select>
              ) : (
                <span className="member-role">
                  {roleLabel(member.role)}
                  {isOwner ? ' (owner)' : ''}
                </span>
              )}
              {canFacilitate && !isOwner && !isViewer ? (
                <ConfirmDialog
                  trigger="Remove"
                  triggerLabel={`Remove ${name} from the room`}
                  triggerClassName="button button-small button-danger"
                  title={`Remove ${name}?`}
                  description="They leave the room at once; they can join again with the room's link."
                  confirmLabel="Remove member"
                  onConfirm={() => remove(member)}
                />
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
