"""HTTP surface: the Starlette app, the GraphQL schema, auth and webhooks."""
