"""Tortoise models, one module per domain. MODEL_MODULES is the single registry."""

MODEL_MODULES: list[str] = [
    "models.users",
    "models.rooms",
    "models.jira",
]
