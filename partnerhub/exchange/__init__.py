"""Leads passed between partners: intake, routing, warm-up, a handoff's lifecycle and
re-routing, partnerships and their terms, the rollups every move counts into,
comments, referrals and follow-ups, and the lists and inbox that show them.

May import: core, directory, people, customers (and models).
"""
