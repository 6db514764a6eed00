"""schema.documents: caches bounded by bytes, trusted documents pinned and skipping both steps."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from graphql import parse, specified_rules

from schema.composition import build_schema
from schema.documents import (
    AST_BYTES_PER_SOURCE_BYTE,
    PARSE_CACHE_BYTES,
    ByteBoundedLRU,
    TrustedDocuments,
    document_id,
    parse_document,
)


def test_the_lru_evicts_the_least_recently_used_to_stay_within_its_bytes() -> None:
    cache: ByteBoundedLRU[str] = ByteBoundedLRU(max_bytes=100, max_entry_bytes=60)
    assert cache.put("a", "A", 40) and cache.put("b", "B", 40)
    assert cache.get("a") == "A"  # a is now the most recent
    assert cache.put("c", "C", 40)  # 120 > 100: b, the least recent, goes
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
    assert cache.bytes == 80 and len(cache) == 2


def test_an_entry_too_heavy_for_the_cache_is_never_kept() -> None:
    cache: ByteBoundedLRU[str] = ByteBoundedLRU(max_bytes=100, max_entry_bytes=60)
    assert not cache.put("huge", "H", 61)
    assert cache.get("huge") is None and cache.bytes == 0


def test_replacing_an_entry_does_not_count_it_twice() -> None:
    cache: ByteBoundedLRU[str] = ByteBoundedLRU(max_bytes=100)
    cache.put("a", "A", 5)
    cache.put("a", "A2", 6)
    assert cache.bytes == 6 and cache.get("a") == "A2"


def test_large_documents_are_not_cached_and_the_parse_cache_stays_bounded() -> None:
    """Finding 6: 512 entries whatever their size held 1.36 GB."""
    documents = build_schema().documents
    large = "#" + "x" * 900_000 + "\n{ __typename }"
    documents.remember(large, parse(large))
    assert documents.document(large) is None
    for i in range(2000):  # dense small documents, each weighing ~110 bytes per source byte
        text = f"{{ a{i}: __typename {'b: __typename ' * 20} }}"
        documents.remember(text, parse(text))
    assert documents.parsed.bytes <= PARSE_CACHE_BYTES
    assert len(documents.parsed) < 2000


def test_a_pinned_document_is_served_without_parsing_or_validating_again() -> None:
    documents = build_schema().documents
    text = "query Viewer { viewer { email } }"
    assert documents.pin(text, tuple(specified_rules)) == []
    first = documents.document(text)
    assert first is not None and documents.document(text) is first
    assert documents.errors(text, first, tuple(specified_rules)) == []
    assert documents.parsed.get(text) is None  # pinned, not competing for the LRU
    documents.remember(text, parse(text))
    assert documents.document(text) is first
    assert AST_BYTES_PER_SOURCE_BYTE >= 100


def test_trusted_documents_accept_both_id_forms(tmp_path: Path) -> None:
    text = "query Viewer { viewer { email } }"
    hex_id = document_id(text).removeprefix("sha256:")
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({hex_id: text}))
    documents = TrustedDocuments.load(manifest)
    assert documents.text(f"sha256:{hex_id}") == text
    assert documents.text(hex_id) == text
    assert documents.text("sha256:" + "0" * 64) is None
    assert len(TrustedDocuments.load(tmp_path / "missing.json")) == 0


def test_a_manifest_of_another_shape_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({"abc": 1}))
    with pytest.raises(ValueError, match="expected an object"):
        TrustedDocuments.load(manifest)


def test_a_parsed_document_is_freed_without_the_cyclic_collector() -> None:
    text = "query Room($id: ID!) { room(id: $id) { id name issues { id title } } }"
    gc.collect()
    gc.disable()
    try:
        parse_document(text)
        garbage = gc.collect()
        parse(text)  # graphql-core's own parse leaves its token chain as cyclic garbage
        assert garbage == 0 and gc.collect() > 0
    finally:
        gc.enable()


def test_a_parsed_document_keeps_its_locations() -> None:
    document = parse_document("{\n  me { id }\n}")
    field = document.definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]
    assert field.loc is not None and (field.loc.start, field.loc.source.body[field.loc.start]) == (
        4,
        "m",
    )
