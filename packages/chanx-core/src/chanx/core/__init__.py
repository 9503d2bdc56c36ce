"""chanx.core: typed message handling for WebSocket consumers, independent of any framework.

The public pieces: the handler decorators (:mod:`chanx.core.decorators`), handler
discovery (:mod:`chanx.core.discovery`), the wire codec (:mod:`chanx.core.codec`) and the
consumer logic that adapters build on (:mod:`chanx.core.consumer`).
"""

from chanx.core.consumer import ChanxWebsocketConsumerMixin, ConsumerOptions
from chanx.core.decorators import channel, event_handler, ws_handler
from chanx.core.discovery import ConsumerSpec, HandlerDefinitionError, HandlerInfo

__all__ = [
    "ChanxWebsocketConsumerMixin",
    "ConsumerOptions",
    "ConsumerSpec",
    "HandlerDefinitionError",
    "HandlerInfo",
    "channel",
    "event_handler",
    "ws_handler",
]
