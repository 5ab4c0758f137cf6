"""What every capability shares: the database and its session rules (db), the domain's
errors, input validation, who acts (actors), the audit log, the words the pages show,
the outbox of events and what a handoff's webhook says (handoff_payload), the email queue
(mail, with its templates in emails/), and translations where they exist. partnerhub.models,
the tables, belongs to this layer.

May import: nothing of partnerhub but partnerhub.models.
"""
