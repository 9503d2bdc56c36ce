"""chanx.channels: typed WebSocket consumers for Django Channels.

Add ``"chanx.channels"`` to ``INSTALLED_APPS`` and subclass
:class:`chanx.channels.websocket.AsyncJsonWebsocketConsumer`.
"""
