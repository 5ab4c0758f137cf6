"""PartnerHub's domain: partners, leads, handoffs and the rules between them.

Nothing in this package knows about HTTP; callers pass a SQLAlchemy session and
own the transaction.
"""
