"""The Django project the test suite runs against."""
