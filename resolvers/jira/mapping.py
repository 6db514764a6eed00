"""setRoomJiraMapping and removeRoomJiraMapping (Room.jiraMapping lives on the Room type).

PREMIUM required; non-members get a top-level FORBIDDEN (as everywhere in rooms), members
who do not own the room a payload NOT_ALLOWED.
"""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.payloads import payload_mutation
from resolvers.permissions import require_premium
from schema.context import Context
from schema.types.jira.mapping import RoomJiraMapping, RoomJiraMappingInput, RoomJiraMappingPayload
from services.jira import mapping as service


@strawberry.type
class Mutation:
    @payload_mutation("Map the room to a Jira project (owner only; upsert).")
    async def set_room_jira_mapping(
        self, info: Info[Context, None], room_id: strawberry.ID, input: RoomJiraMappingInput
    ) -> RoomJiraMappingPayload:
        user = await require_premium(info)
        given = service.MappingInput(
            project_key=input.project_key,
            board_id=input.board_id,
            sprint_id=input.sprint_id,
            cloud_id=input.cloud_id,
            story_points_field_id=input.story_points_field_id,
            auto_import=input.auto_import,
            auto_push_estimates=input.auto_push_estimates,
            comment_on_push=input.comment_on_push,
            estimate_target=input.estimate_target,
        )
        mapping = await service.set_mapping(info.context.runtime, user, room_id, given)
        return RoomJiraMappingPayload(mapping=RoomJiraMapping.from_model(mapping))

    @payload_mutation("Unmap the room; `mapping` is the removed one (or null).")
    async def remove_room_jira_mapping(
        self, info: Info[Context, None], room_id: strawberry.ID
    ) -> RoomJiraMappingPayload:
        user = await require_premium(info)
        mapping = await service.remove_mapping(info.context.runtime, user, room_id)
        return RoomJiraMappingPayload(
            mapping=RoomJiraMapping.from_model(mapping) if mapping else None
        )
