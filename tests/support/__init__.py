"""Real test peers: an anvil node and fresh PostgreSQL / SQLite databases."""
