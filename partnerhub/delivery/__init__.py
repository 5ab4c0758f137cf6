"""What leaves the platform, and when: webhook endpoints and their deliveries (signed,
retried, only to public addresses), a company's notices, a manager's integrations,
and the timed jobs the worker runs.

May import: core, directory, people, customers, exchange, reports (and models).
"""
