"""Messages and handlers: replies, unions, errors, and the per-connection queue."""

# --8<-- [start:messages]
from typing import Literal

from pydantic import BaseModel, Field

from chanx.messages.base import BaseMessage


class Item(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


class Order(BaseModel):
    order_id: int
    items: list[Item] = Field(min_length=1)


class PlaceOrder(BaseMessage):
    action: Literal["place_order"] = "place_order"
    payload: Order


class OrderAccepted(BaseMessage):
    action: Literal["order_accepted"] = "order_accepted"
    payload: Order


class OrderRejected(BaseMessage):
    action: Literal["order_rejected"] = "order_rejected"
    payload: str


class Cancel(BaseMessage):
    action: Literal["cancel"] = "cancel"
    payload: int


# --8<-- [end:messages]

# --8<-- [start:consumer]
from chanx.channels.websocket import AsyncJsonWebsocketConsumer
from chanx.core.decorators import ws_handler
from chanx.core.errors import ClientError
from chanx.core.ratelimit import RateLimit

OUT_OF_STOCK = {"umbrella"}


class OrderConsumer(AsyncJsonWebsocketConsumer):
    """Takes orders; each handler's type hints are its contract."""

    # Handle up to 4 frames of one connection at once (replies may then come out of order).
    max_concurrent_handlers = 4
    # Queue at most 16 frames before the server stops reading from this client.
    max_pending_frames = 16
    # Close with 1009 any frame over 64 KiB.
    max_frame_size = 64 * 1024
    # At most 20 frames per second per connection on average, in bursts of up to 40.
    rate_limit = RateLimit(per_second=20, burst=40)

    @ws_handler(summary="Place an order", tags=["orders"])
    async def handle_place_order(self, message: PlaceOrder) -> OrderAccepted | OrderRejected:
        """Accept the order unless an item is out of stock.

        With summary= given, this whole docstring is the operation's description in AsyncAPI.
        """
        missing = [item.sku for item in message.payload.items if item.sku in OUT_OF_STOCK]
        if missing:
            return OrderRejected(payload=f"out of stock: {', '.join(missing)}")
        return OrderAccepted(payload=message.payload)

    @ws_handler
    async def handle_cancel(self, message: Cancel) -> None:
        """Cancel an order; only orders below 1000 exist in this sample."""
        if message.payload >= 1000:
            # A deliberate answer: the client gets this detail in an `error` message.
            raise ClientError(f"No order {message.payload}")
        # Any other exception: the client gets a generic error, the log gets the traceback.
        raise NotImplementedError(f"cancelling order {message.payload}")


# --8<-- [end:consumer]
