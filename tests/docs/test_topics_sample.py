"""The topics page's sample runs as the page says."""

from __future__ import annotations

import pytest

from docs.snippets import topics as sample

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_topics_page_sample() -> None:
    await sample.test_rooms_on_one_socket()
