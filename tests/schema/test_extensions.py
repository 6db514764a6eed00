"""MaskUnexpectedErrors: an unexpected exception's text never reaches the client, in a query
result or in any subscription event (also as encoded once for a group of subscribers);
expected errors and clean results pass untouched."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator

import strawberry
from graphql import ExecutionResult, GraphQLError

from schema.extensions import MaskUnexpectedErrors, encode_result


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("secret database detail")

    @strawberry.field
    def refused(self) -> str:
        raise GraphQLError("Not allowed.", extensions={"code": "FORBIDDEN"})


@strawberry.type
class Event:
    n: int

    @strawberry.field
    def detail(self) -> str:
        if self.n == 2:
            raise RuntimeError("secret detail of event 2")
        return f"event {self.n}"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def events(self) -> AsyncGenerator[Event, None]:
        for n in (1, 2, 3):
            yield Event(n=n)


SCHEMA = strawberry.Schema(
    query=Query, subscription=Subscription, extensions=[MaskUnexpectedErrors]
)


async def test_a_query_masks_the_unexpected_and_keeps_the_expected() -> None:
    result = await SCHEMA.execute("{ broken }")
    assert result.errors and "secret" not in result.errors[0].message
    assert result.errors[0].extensions["code"] == "INTERNAL_SERVER_ERROR"  # type: ignore[index]
    refused = await SCHEMA.execute("{ refused }")
    assert refused.errors and refused.errors[0].message == "Not allowed."


async def test_every_subscription_event_is_masked_on_its_own() -> None:
    stream = await SCHEMA.subscribe("subscription { events { n detail } }")
    results = [result async for result in stream]  # type: ignore[union-attr]
    assert [r.data for r in results[::2]] == [
        {"events": {"n": 1, "detail": "event 1"}},
        {"events": {"n": 3, "detail": "event 3"}},
    ]
    assert not results[0].errors and not results[2].errors
    masked = results[1].errors
    assert masked and "secret" not in masked[0].message
    assert masked[0].extensions["code"] == "INTERNAL_SERVER_ERROR"  # type: ignore[index]


def test_unexpected_errors_are_masked_expected_ones_kept() -> None:
    unexpected = GraphQLError("boom", original_error=ValueError("secret token abc"))
    expected = GraphQLError("Not yours", extensions={"code": "FORBIDDEN"})
    body = json.loads(encode_result(ExecutionResult(data=None, errors=[unexpected, expected])))
    assert "secret" not in json.dumps(body)
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert body["errors"][1] == {"message": "Not yours", "extensions": {"code": "FORBIDDEN"}}
    assert json.loads(encode_result(ExecutionResult(data={"greeting": "hi"}))) == {
        "data": {"greeting": "hi"}
    }
