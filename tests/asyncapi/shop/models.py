"""A second ``Item`` model, different from tests.asyncapi.messages.Item: same class name."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from chanx.messages.base import BaseMessage


class Item(BaseModel):
    sku: str
    price_cents: int


class Order(BaseModel):
    items: list[Item]


class PlaceOrder(BaseMessage):
    """Place an order."""

    action: Literal["place_order", "place_order_v2"] = "place_order"
    payload: Order
