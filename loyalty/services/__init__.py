"""Use cases over the database.

Every use case that writes takes a unit of work (loyalty.services.uow), never an engine: it says
`async with uow:` and the uow owns the transaction (commit, rollback, a nested use joining the
outer one). A posting publishes domain events (loyalty.domain.events) on the uow, and their
handlers (loyalty.services.handlers: tier recompute, notifications) run in the same transaction;
cli/ and api/ build the uow with loyalty.services.bootstrap (or Runtime.unit_of_work). Reads take
a connection (`uow.read()`, or the caller's, e.g. the API's one read connection per request).
One exception: the API-key functions run on the CLI's synchronous connection
(loyalty.services.api_keys). No module here imports another inside a function.
"""
