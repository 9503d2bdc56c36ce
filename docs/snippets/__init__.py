"""Code samples included in the documentation pages and run by ``tests/docs``.

Each module here is real code: a page shows it (or a marked section of it) with
``--8<--``, and a test in ``tests/docs`` imports it and drives it.
"""
