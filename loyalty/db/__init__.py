"""Storage: engines, tables and migrations (SQLAlchemy Core, no ORM sessions)."""
