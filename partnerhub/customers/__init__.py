"""Partners' customers, kept private: customer lists as keyed hashes, what they tell
routing and the overlap two consenting partners share.

May import: core, directory, people (and models).
"""
