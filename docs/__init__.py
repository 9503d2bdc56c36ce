"""Makes ``docs.snippets`` importable by the tests that run the documentation's samples."""
