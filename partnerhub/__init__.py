"""PartnerHub's domain: partners, leads, handoffs and the rules between them.

Nothing in this package knows about HTTP; callers pass a SQLAlchemy session and own the
transaction. One package per capability, each importing only those below it
(docs/architecture.md, "Packages"; tests/test_architecture.py holds the code to it):

- core: the database, errors, validation, actors, audit, words, the outbox and the email queue
- directory: partners, product lines, the taxonomy
- people: accounts, credentials, the team, assignment of handoffs to reps, notifications
- customers: partners' private customer lists and what they tell routing
- exchange: intake, routing, warm-up, the handoff lifecycle, partnerships, rollups, inbox and lists
- reports: balance, flags, thresholds, statements, suggestions, exports
- delivery: webhooks and their delivery, egress, notices, integrations, the timed jobs
- demo: the demo exchange and its simulation
"""
