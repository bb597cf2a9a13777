"""Earning rules over GraphQL, in Wix's names (camelCase): the types (types.py), what the
operations take (inputs.py), the queries (queries.py) and the mutations (mutations.py).

Who may do what: admins everything; auditors and members read rules (a shop shows members how
they earn); anonymous callers nothing here. Rule mutations are admin-only.
"""

from api.schema.rules.mutations import RulesMutation
from api.schema.rules.queries import RulesQuery, require_rule_reader
from api.schema.rules.types import EarningRule, plain_money

__all__ = ["EarningRule", "RulesMutation", "RulesQuery", "plain_money", "require_rule_reader"]
