from jira_cloud.adf import adf_to_text, text_to_adf


def test_text_round_trips_through_paragraphs_and_hard_breaks() -> None:
    text = "First line\nsecond line\n\nNext paragraph"
    document = text_to_adf(text)
    assert document["type"] == "doc" and document["version"] == 1
    first, second = document["content"]
    assert first == {
        "type": "paragraph",
        "content": [
            {"type": "text", "text": "First line"},
            {"type": "hardBreak"},
            {"type": "text", "text": "second line"},
        ],
    }
    assert second["content"] == [{"type": "text", "text": "Next paragraph"}]
    assert adf_to_text(document) == text


def test_text_to_adf_normalises_newlines_and_drops_empty_paragraphs() -> None:
    document = text_to_adf("\r\n  a\r\n\r\n\r\n \n b  \n")
    assert [p["content"][0]["text"] for p in document["content"]] == ["a", " b"]
    assert text_to_adf("   ")["content"] == []


def test_adf_to_text_flattens_lists_marks_and_inline_nodes() -> None:
    document = {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "heading",
                "attrs": {"level": 2},
                "content": [{"type": "text", "text": "Goal"}],
            },
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "Ping "},
                    {"type": "mention", "attrs": {"id": "x", "text": "@Dana"}},
                    {"type": "text", "text": " now", "marks": [{"type": "strong"}]},
                    {"type": "emoji", "attrs": {"shortName": ":smile:"}},
                ],
            },
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "one"}]}
                        ],
                    },
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "two"}]}
                        ],
                    },
                ],
            },
            {
                "type": "orderedList",
                "attrs": {"order": 3},
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "c"}]}
                        ],
                    },
                ],
            },
            {"type": "codeBlock", "content": [{"type": "text", "text": "x = 1"}]},
            {"type": "mediaSingle", "content": [{"type": "media", "attrs": {"id": "m"}}]},
            {
                "type": "paragraph",
                "content": [{"type": "inlineCard", "attrs": {"url": "https://x.test"}}],
            },
        ],
    }
    assert adf_to_text(document) == (
        "Goal\n\nPing @Dana now:smile:\n\n- one\n- two\n\n3. c\n\nx = 1\n\nhttps://x.test"
    )


def test_adf_to_text_tolerates_none_strings_and_garbage() -> None:
    assert adf_to_text(None) == ""
    assert adf_to_text("h1. wiki markup from a v2 webhook") == "h1. wiki markup from a v2 webhook"
    assert adf_to_text(42) == ""
    assert adf_to_text({"type": "doc", "content": [None, {"type": "paragraph"}]}) == ""
