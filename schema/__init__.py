"""The GraphQL schema: types per domain (schema/types), the composition (schema/composition.py),
execution, document checks and error handling. Importing the package loads none of them."""
