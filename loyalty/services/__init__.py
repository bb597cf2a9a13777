"""Use cases over the database: each takes a connection (the caller owns the transaction)."""
