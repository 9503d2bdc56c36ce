"""Message models: the typed frames a chanx consumer receives and sends."""

from chanx.messages.base import BaseMessage

__all__ = ["BaseMessage"]
