"""Settings for running tests: completion signals on."""

# --8<-- [start:settings]
CHANX = {
    # Every handled frame, broadcast and event is followed by a completion signal, which
    # is what receive_all_messages() waits for.
    "SEND_COMPLETION": True,
}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# --8<-- [end:settings]
