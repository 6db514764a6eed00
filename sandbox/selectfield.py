"""Single-select custom fields (e.g. "T-shirt size"): options, REST shapes and PUT values."""

from __future__ import annotations

from typing import Any

from sandbox.store import FieldDef, FieldOption, Site

SELECT = "com.atlassian.jira.plugin.system.customfieldtypes:select"
TSHIRT_SIZES = ("XS", "S", "M", "L", "XL")


def select_field(field_id: str, name: str, values: tuple[str, ...], first_option: int) -> FieldDef:
    number = int(field_id.rsplit("_", 1)[1])
    options = [FieldOption(str(first_option + n), v) for n, v in enumerate(values)]
    schema = {"type": "option", "custom": SELECT, "customId": number}
    return FieldDef(field_id, name, schema, options=options)


def is_select(definition: FieldDef) -> bool:
    return definition.schema.get("type") == "option"


def option_json(site: Site, option: FieldOption) -> dict[str, Any]:
    return {
        "self": f"{site.url}/rest/api/3/customFieldOption/{option.id}",
        "value": option.value,
        "id": option.id,
    }


def option_value(site: Site, definition: FieldDef, stored: Any) -> dict[str, Any] | None:
    option = definition.option(stored) if stored is not None else None
    return option_json(site, option) if option else None


def convert_option(definition: FieldDef, value: Any) -> str | None:
    """`{"value": "M"}` or `{"id": "10102"}` (or null) → the option id; Jira's messages."""
    if value is None:
        return None
    if not isinstance(value, dict) or not ({"id", "value"} & value.keys()):
        raise ValueError("Specify a valid 'id' or 'name' for " + definition.name)
    if "id" in value:
        option = definition.option(str(value["id"]))
        if option is None:
            raise ValueError(f"Option id '{value['id']}' is not valid")
    else:
        option = definition.option(value["value"], by="value")
        if option is None:
            raise ValueError(f"Option value '{value['value']}' is not valid")
    return option.id
