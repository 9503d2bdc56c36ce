"""Helpers around the Django Channels ASGI configuration."""
