"""Trusted documents (GraphQL over HTTP, appendix A) against real servers: the manifest
`make codegen` writes, `{"documentId": ...}` over HTTP and websockets, and trusted-only mode."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from typing import Any

import httpx

from core.settings import TRUSTED_DOCUMENTS_FILE
from schema.documents import TrustedDocuments
from tests.support import GraphQLClient, ServerProcess
from tests.web.test_auth_ws import init, open_socket


def manifest_id(operation: str) -> tuple[str, str]:
    """(documentId, text) of the client operation named `operation`."""
    documents = TrustedDocuments.load(TRUSTED_DOCUMENTS_FILE)
    for identifier, text in documents.by_id.items():
        names = {f"{kind} {operation}{end}" for kind in ("query", "mutation") for end in "( "}
        if any(name in text for name in names):
            return identifier, text
    raise AssertionError(f"no operation {operation} in {TRUSTED_DOCUMENTS_FILE}")


async def post(server: ServerProcess, body: dict[str, Any], token: str = "") -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        return await http.post("/graphql", json=body, headers=headers)


async def test_the_manifest_holds_every_client_operation_under_its_sha256() -> None:
    documents = TrustedDocuments.load(TRUSTED_DOCUMENTS_FILE)
    assert len(documents) >= 20
    for identifier, text in documents.by_id.items():
        assert identifier == f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"


async def test_a_document_id_runs_the_manifest_document(server: ServerProcess) -> None:
    gql = GraphQLClient(server.url)
    token = await gql.sign_in(f"doc-{uuid.uuid4().hex[:8]}@example.com")
    await gql.aclose()
    identifier, _ = manifest_id("Viewer")
    response = await post(server, {"documentId": identifier}, token)
    assert response.status_code == 200 and response.json()["data"]["viewer"]["email"]
    unknown = await post(server, {"documentId": "sha256:" + "0" * 64}, token)
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_FOUND"


async def test_trusted_only_refuses_query_text_and_runs_nothing(
    trusted_server: ServerProcess,
) -> None:
    sign_in_id, _ = manifest_id("DevSignIn")
    email = f"trusted-{uuid.uuid4().hex[:8]}@example.com"
    signed = await post(trusted_server, {"documentId": sign_in_id, "variables": {"email": email}})
    token = signed.json()["data"]["devSignIn"]["token"]

    create = 'mutation { createRoom(input: {name: "not by text"}) { room { id } } }'
    refused = await post(trusted_server, {"query": create}, token)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENTS_ONLY"

    my_rooms, _ = manifest_id("MyRooms")
    rooms = await post(trusted_server, {"documentId": my_rooms}, token)
    assert rooms.json()["data"]["myRooms"] == []  # nothing ran

    async with open_socket(trusted_server) as socket:
        ack = await init(socket, {"authorization": f"Bearer {token}"})
        assert ack["type"] == "connection_ack"
        await socket.send(
            json.dumps({"type": "subscribe", "id": "1", "payload": {"query": create}})
        )
        answer = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert answer["type"] == "error"
        assert answer["payload"][0]["extensions"]["code"] == "TRUSTED_DOCUMENTS_ONLY"
        viewer, _ = manifest_id("Viewer")
        await socket.send(
            json.dumps({"type": "subscribe", "id": "2", "payload": {"documentId": viewer}})
        )
        answer = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert answer["type"] == "next" and answer["payload"]["data"]["viewer"]["email"] == email
