"""`python -m schema.export` writes schema/schema.graphql (codegen.yml reads it)."""

from __future__ import annotations

from pathlib import Path

from schema.composition import sdl

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")


def main() -> None:
    SCHEMA_FILE.write_text(sdl(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")


if __name__ == "__main__":
    main()
