"""The model streams page's sample runs as the page says."""

from __future__ import annotations

import pytest

from docs.snippets import model_streams as sample

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_model_streams_page_sample() -> None:
    try:
        await sample.test_public_rooms_stream()
    finally:
        # The sample's topics observe the test project's Room: stop them for other tests.
        for topic in sample.RoomsConsumer.topics:
            topic.disconnect_signals()
