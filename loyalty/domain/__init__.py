"""The pure domain: earning rules, points arithmetic. No SQLAlchemy, web3 or strawberry here."""
