"""The JSON API, one blueprint per resource."""

from api.v1 import categories, partners, partnerships, product_lines, reports, settings, suggestions

BLUEPRINTS = [
    partners.blp,
    categories.blp,
    product_lines.blp,
    partnerships.blp,
    reports.blp,
    settings.blp,
    suggestions.blp,
]
