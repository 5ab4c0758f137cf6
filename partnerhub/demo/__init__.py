"""The demo exchange and the simulation that keeps it moving, through the real doors.

May import: core, directory, people, customers, exchange, reports, delivery (and models).
"""
