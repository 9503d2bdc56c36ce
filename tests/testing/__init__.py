"""Tests of chanx-testing: communicators, the Django test case and the pytest plugin."""
