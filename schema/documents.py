"""Parsing and validating GraphQL documents once: caches bounded by bytes, trusted documents.

`DocumentCache` keeps parsed documents and validation results by document text. Both caches
are LRUs bounded by an estimate of the memory an entry holds, not only by their number of
entries, and a document too large for a cache is never cached: unique large documents cannot
pin memory. Trusted documents (GraphQL over HTTP, appendix A) are parsed and validated once
at start-up and kept for good, so they skip both steps at run time.

`DocumentPipeline` is the schema extension that uses the cache and runs schema.limits before
the standard validation rules, for every transport (GET, POST and websocket).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Generic, TypeVar

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, validate
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from schema.limits import Limits, check_document

V = TypeVar("V")
T = TypeVar("T")

# A parsed document holds up to ~110 bytes per byte of source (measured on dense documents:
# 3,000 tokens in 11 KB parse into 1.2 MB); the estimate errs on the large side.
AST_BYTES_PER_SOURCE_BYTE = 110
PARSE_CACHE_BYTES = 32 * 1024 * 1024
VALIDATION_CACHE_BYTES = 4 * 1024 * 1024
ENTRY_SHARE = 16  # no entry may take more than 1/16 of its cache
# Each error's line and column cost a scan of the document up to it: report at most this many.
MAX_VALIDATION_ERRORS = 20
STRAWBERRY_RULES = (MaybeNullValidationRule, OneOfInputValidationRule)


def validate_document(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    """graphql-core's validation with Strawberry's own rules and a small error budget."""
    return validate(schema, document, (*rules, *STRAWBERRY_RULES), MAX_VALIDATION_ERRORS)


class ByteBoundedLRU(Generic[V]):
    """An LRU whose entries each weigh some bytes; the least recently used leave first."""

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes or max_bytes // ENTRY_SHARE
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: str, value: V, weight: int) -> bool:
        """Keep `value` unless it alone is too heavy; evicts the oldest to make room."""
        if weight > self.max_entry_bytes:
            return False
        previous = self._entries.pop(key, None)
        if previous is not None:
            self.bytes -= previous[1]
        self._entries[key] = (value, weight)
        self.bytes += weight
        while self.bytes > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self.bytes -= evicted
        return True


class DocumentCache:
    """Parsed documents and validation results by text; trusted ones pinned."""

    def __init__(
        self,
        schema: Callable[[], GraphQLSchema],
        limits: Limits,
        rules: tuple[type[ASTValidationRule], ...] = (),
    ) -> None:
        self._schema = schema
        self.limits = limits
        self.rules = rules
        self.parsed: ByteBoundedLRU[DocumentNode] = ByteBoundedLRU(PARSE_CACHE_BYTES)
        self.validated: ByteBoundedLRU[list[GraphQLError]] = ByteBoundedLRU(VALIDATION_CACHE_BYTES)
        self.pinned: dict[str, tuple[DocumentNode, list[GraphQLError]]] = {}

    def document(self, text: str) -> DocumentNode | None:
        pinned = self.pinned.get(text)
        return pinned[0] if pinned else self.parsed.get(text)

    def remember(self, text: str, document: DocumentNode) -> None:
        if text not in self.pinned:
            self.parsed.put(text, document, len(text) * AST_BYTES_PER_SOURCE_BYTE)

    def known_errors(self, text: str) -> list[GraphQLError] | None:
        pinned = self.pinned.get(text)
        return pinned[1] if pinned is not None else self.validated.get(text)

    def validate(
        self, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
    ) -> list[GraphQLError]:
        """The document's errors: the limits first (linear), then the rules. Pure: safe to
        run in a worker thread."""
        errors = check_document(self._schema(), document, self.limits)
        return errors or validate_document(self._schema(), document, (*rules, *self.rules))

    def remember_errors(self, text: str, errors: list[GraphQLError]) -> None:
        weight = len(text) + sum(len(error.message) for error in errors)
        self.validated.put(text, errors, weight)

    def errors(
        self, text: str, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
    ) -> list[GraphQLError]:
        known = self.known_errors(text)
        if known is not None:
            return known
        errors = self.validate(document, rules)
        self.remember_errors(text, errors)
        return errors

    def pin(self, text: str, rules: tuple[type[ASTValidationRule], ...]) -> list[GraphQLError]:
        """Parse and validate a trusted document now and keep it; its errors (none if valid)."""
        document = parse_document(text)
        errors = self.validate(document, rules)
        self.pinned[text] = (document, errors)
        return errors


class DocumentPipeline(SchemaExtension):
    """Parse through the cache; validate through the cache, limits first.

    A cache miss parses and validates in a worker thread: the CPU is the same, but the event
    loop goes on serving everyone else (health checks included) while a flood of unique
    documents is refused, instead of queueing behind each one."""

    def __init__(self, cache: DocumentCache) -> None:
        super().__init__()
        self.cache = cache

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        text = context.query
        if text and context.graphql_document is None:
            document = self.cache.document(text)
            if document is None:
                document = await _parsed_off_loop(text, context.parse_options)
                if document is not None:
                    self.cache.remember(text, document)
            context.graphql_document = document  # None: Strawberry parses and reports why
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        text, document = context.query, context.graphql_document
        if text and document is not None:
            errors = self.cache.known_errors(text)
            if errors is None:
                rules = context.validation_rules
                errors = await _off_loop(self.cache.validate, document, rules)
                self.cache.remember_errors(text, errors)
            context.pre_execution_errors = errors
        yield


# One thread: with several, the event loop competes with all of them for the GIL and a health
# check waited up to 13 switch intervals; with one it waits at most about one.
_DOCUMENT_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphql-documents")


async def _off_loop(function: Callable[..., T], *args: Any) -> T:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_DOCUMENT_THREAD, functools.partial(function, *args))


async def _parsed_off_loop(text: str, options: Mapping[str, Any]) -> DocumentNode | None:
    try:
        return await _off_loop(functools.partial(parse_document, text, **options))
    except GraphQLError:
        return None


def parse_document(text: str, **options: Any) -> DocumentNode:
    """graphql-core's parse, minus its garbage cycles: tokens link back to the previous one
    (used only while lexing), so every parsed document was cyclic garbage that waited for the
    cyclic collector — 135,000 objects and 80 ms per young collection under a flood of unique
    documents. Without the back links a document is freed the moment it is dropped."""
    document = parse(text, **options)
    token = document.loc.start_token if document.loc is not None else None
    while token is not None:
        token.prev = None
        token = token.next
    return document


def document_id(text: str) -> str:
    return f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"


class TrustedDocuments:
    """The manifest `make codegen` writes: `{"sha256:<hex>" or "<hex>": document}`."""

    def __init__(self, documents: Mapping[str, str]) -> None:
        self.by_id: dict[str, str] = {}
        for key, text in documents.items():
            self.by_id[key if key.startswith("sha256:") else f"sha256:{key}"] = text

    @classmethod
    def load(cls, path: Path | None) -> TrustedDocuments:
        if path is None or not path.is_file():
            return cls({})
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
        ):
            raise ValueError(f"{path}: expected an object of document ids to documents")
        return cls(raw)

    def __len__(self) -> int:
        return len(self.by_id)

    def text(self, identifier: str) -> str | None:
        key = identifier if identifier.startswith("sha256:") else f"sha256:{identifier}"
        return self.by_id.get(key)
