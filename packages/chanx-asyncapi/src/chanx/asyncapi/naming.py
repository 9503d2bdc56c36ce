"""Channel and operation ids: identifiers a client generator can use as they are.

Code generators turn the keys of ``channels`` and ``operations`` into class, module and
method names, so every id is a lowerCamelCase identifier valid in Python,
JavaScript/TypeScript, Java and Go: ASCII letters and digits, never starting with a digit,
never a reserved word. Channel ids are the ones upstream chanx gives with
``ASYNCAPI_CAMELIZE``; operation ids always carry their channel's id, which upstream adds
only to tell apart handlers of the same name:

* a channel is named by ``@channel(name=...)`` on the consumer class, else by the class
  name without its ``Consumer`` suffix: ``ChatDetailConsumer`` → ``chatDetail``;
* an operation is its channel's id followed by the handler's name:
  ``chatDetailHandlePing``; other messages the server sends are ``<channel>Send<Message>``:
  ``chatDetailSendErrorMessage``.

Ids depend only on the code and the routing, never on settings such as ``CAMELIZE``.
Collisions are resolved in routing order: the first route keeps its id, a later route
whose id is taken gets its address appended (``chatDetailLegacyChatRoomName``), then a
number (``2``, ``3``...) if that is taken too; an operation id that is taken gets a number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from chanx.core.decorators import CHANNEL_ATTR, ChannelInfo

_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
# A word starts at a capital after a lowercase letter or digit (chatDetail, room2Chat) and
# at the last capital of an acronym followed by a lowercase word (HTTPServer).
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

_CONSUMER_SUFFIX = "Consumer"

# Words that cannot name anything in these languages, as far as a lowerCamelCase id can
# spell them (Python's True, False and None start with a capital, so they cannot occur).
_RESERVED_WORDS = {
    "Python": """and as assert async await break class continue def del elif else except
        finally for from global if import in is lambda nonlocal not or pass raise return try
        while with yield""",
    "JavaScript/TypeScript": """await break case catch class const continue debugger default
        delete do else enum export extends false finally for function if implements import in
        instanceof interface let new null package private protected public return static super
        switch this throw true try typeof var void while with yield""",
    "Java": """abstract assert boolean break byte case catch char class const continue default
        do double else enum extends false final finally float for goto if implements import
        instanceof int interface long native new null package private protected public return
        short static strictfp super switch synchronized this throw throws transient true try
        void volatile while""",
    "Go": """break case chan const continue default defer else fallthrough for func go goto if
        import interface map package range return select struct switch type var""",
}
_RESERVED = frozenset(word for words in _RESERVED_WORDS.values() for word in words.split())


def _words(text: str) -> list[str]:
    # Accented letters keep their base letter (salón → salon); other non-ASCII is dropped.
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return [
        word for chunk in _SEPARATORS.split(ascii_text) for word in _WORD_START.split(chunk) if word
    ]


def _capitalized(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def identifier(text: str, *, fallback: str) -> str:
    """``text`` as a lowerCamelCase identifier, or ``fallback`` when it has no ASCII word.

    ``"ChatDetail"`` → ``chatDetail``, ``"chat room"`` → ``chatRoom``,
    ``"user_notifications"`` → ``userNotifications``, ``"HTTPServer"`` → ``httpServer``.
    A leading digit gets a ``_`` in front (``_2fa``), a reserved word a ``_`` behind
    (``default_``).
    """
    words = _words(text)
    if not words:
        return fallback
    name = words[0].lower() + "".join(_capitalized(word) for word in words[1:])
    if name[0].isdigit():
        name = "_" + name
    if name in _RESERVED:
        name += "_"
    return name


def _suffix(text: str) -> str:
    """``text``'s words, each capitalized, to append to an id: ``handle_ping`` → ``HandlePing``."""
    return "".join(_capitalized(word) for word in _words(text))


def channel_name(consumer: type) -> str:
    """The text a consumer's channel id is made from.

    ``@channel(name=...)`` on this very class (a subclass is another endpoint and does not
    inherit it), else the class name without a ``Consumer`` suffix.
    """
    declared = vars(consumer).get(CHANNEL_ATTR)
    if isinstance(declared, ChannelInfo) and declared.name:
        return declared.name
    return consumer.__name__.removesuffix(_CONSUMER_SUFFIX) or consumer.__name__


def channel_ids(channels: Sequence[tuple[str, str]]) -> list[str]:
    """Unique ids for ``(name, address)`` pairs in routing order, one per pair.

    A pair whose id an earlier pair took gets its address's words appended, then the
    smallest number from 2 that makes it unique.
    """
    taken: set[str] = set()
    ids = []
    for name, address in channels:
        base = identifier(name, fallback="channel")
        candidate = base if base not in taken else base + _suffix(address)
        ids.append(claim(candidate, taken))
    return ids


def operation_id(channel_id: str, *parts: str) -> str:
    """The id of an operation of channel ``channel_id``: ``chatDetail`` + ``handle_ping``
    → ``chatDetailHandlePing``."""
    return channel_id + "".join(_suffix(part) for part in parts)


def claim(candidate: str, taken: set[str]) -> str:
    """``candidate``, or ``candidate`` with the smallest number from 2 not in ``taken``;
    the result is added to ``taken``."""
    name, number = candidate, 2
    while name in taken:
        name, number = f"{candidate}{number}", number + 1
    taken.add(name)
    return name


__all__ = ["channel_ids", "channel_name", "claim", "identifier", "operation_id"]
