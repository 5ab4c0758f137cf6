"""The people of a partner: sign-up and accounts, passwords and client secrets
(credentials), the team (invitations, roles, away), which rep works a handoff
(assignment), and a person's notifications.

May import: core, directory (and models).
"""
