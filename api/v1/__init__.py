"""The JSON API, one blueprint per resource."""

from api.v1 import (
    categories,
    customers,
    follow_ups,
    handoffs,
    leads,
    notices,
    partners,
    partnerships,
    product_lines,
    referrals,
    reports,
    settings,
    statements,
    suggestions,
    users,
    webhooks,
)

BLUEPRINTS = [
    partners.blp,
    categories.blp,
    customers.blp,
    product_lines.blp,
    partnerships.blp,
    leads.blp,
    handoffs.blp,
    referrals.blp,
    follow_ups.blp,
    webhooks.blp,
    notices.blp,
    reports.blp,
    settings.blp,
    statements.blp,
    suggestions.blp,
    users.blp,
]
