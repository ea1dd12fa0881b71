"""Accounts: the custom user with its role, login and the permission layer."""
