"""The pages: server-rendered screens for reps, managers and admins, signed in by password.

They are wired into the app by `pages.init_app`.
"""
