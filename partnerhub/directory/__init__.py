"""Who is on the exchange and what they offer: partners, their size and regions, product
lines and the taxonomy of categories and complements.

May import: core (and models).
"""
