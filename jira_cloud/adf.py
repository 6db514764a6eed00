"""Atlassian Document Format <-> plain text.

`adf_to_text` flattens any ADF document (unknown nodes contribute their children's text);
`text_to_adf` builds a document of paragraphs (blank lines) and hard breaks (single newlines).
"""

from __future__ import annotations

import re
from typing import Any

Node = dict[str, Any]

_BLOCK_SEPARATOR = "\n\n"
_PARAGRAPH_SPLIT = re.compile(r"\n(?:[ \t]*\n)+")
# Inline nodes whose visible text lives in attrs rather than in children.
_ATTR_TEXT = {
    "mention": ("text",),
    "emoji": ("text", "shortName"),
    "status": ("text",),
    "inlineCard": ("url",),
    "date": ("timestamp",),
}
_INLINE_TYPES = {"text", "hardBreak", *_ATTR_TEXT}


def adf_to_text(document: Any) -> str:
    """Plain text of an ADF document (None, a plain string or a malformed value pass through)."""
    if document is None:
        return ""
    if isinstance(document, str):  # v2 payloads (webhooks) carry wiki-markup strings
        return document
    if not isinstance(document, dict):
        return ""
    return _block_text(document).strip()


def _block_text(node: Node) -> str:
    node_type = node.get("type")
    children = [child for child in node.get("content") or [] if isinstance(child, dict)]
    if node_type in _INLINE_TYPES:
        return _inline_text(node)
    if node_type in ("bulletList", "orderedList"):
        start = int((node.get("attrs") or {}).get("order", 1) or 1)
        lines = []
        for index, item in enumerate(children):
            marker = "-" if node_type == "bulletList" else f"{start + index}."
            body = _block_text(item).replace("\n", "\n   ")
            lines.append(f"{marker} {body}")
        return "\n".join(lines)
    if node_type == "rule":
        return "---"
    if node_type == "tableRow":
        return " | ".join(_block_text(cell) for cell in children)
    if node_type in ("table", "listItem"):
        return "\n".join(_block_text(child) for child in children)
    if children and all(child.get("type") in _INLINE_TYPES for child in children):
        return "".join(_inline_text(child) for child in children)
    parts = (_block_text(child) for child in children)
    return _BLOCK_SEPARATOR.join(part for part in parts if part)


def _inline_text(node: Node) -> str:
    node_type = node.get("type")
    if node_type == "text":
        return str(node.get("text") or "")
    if node_type == "hardBreak":
        return "\n"
    attrs = node.get("attrs") or {}
    for key in _ATTR_TEXT.get(str(node_type), ()):
        if attrs.get(key):
            return str(attrs[key])
    return ""


def text_to_adf(text: str) -> Node:
    """An ADF document: blank-line separated paragraphs, single newlines as hard breaks."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [part for part in _PARAGRAPH_SPLIT.split(normalized) if part.strip()]
    return {
        "type": "doc",
        "version": 1,
        "content": [_paragraph(part) for part in paragraphs],
    }


def _paragraph(text: str) -> Node:
    content: list[Node] = []
    for index, line in enumerate(text.split("\n")):
        if index:
            content.append({"type": "hardBreak"})
        if line:
            content.append({"type": "text", "text": line})
    return {"type": "paragraph", "content": content}
