"""The thread, and the database connection, the synchronous work of an authentication runs on.

In production every authentication runs in a worker thread of its own
(``database_sync_to_async(..., thread_sensitive=False)``): Channels runs all
thread-sensitive calls of all connections on one shared thread, where one slow identity
provider would hold up every other connection's authentication.

A test may keep its rows in a transaction that is open on one connection of one thread
and rolled back at the end (Django's ``TestCase``, pytest-django's ``django_db`` without
``transaction=True``). Another thread's connection cannot see those rows: token lookups
would answer 401 and object lookups 404, or SQLite would report a locked table. So while
Django's test environment is set up (``setup_test_environment()`` ran: Django's test
runner and pytest-django both call it) and such a transaction is open, the work runs
where it can see the rows, on the thread-sensitive thread (the one Django's async ORM
and ``sync_to_async`` use, so the test's own ORM calls and the authentication take turns
on one thread):

* when the thread-sensitive thread holds the transaction (Django runs an ``async def``
  test method with ``async_to_sync``, whose waiting thread takes thread-sensitive
  calls; so does a sync test that calls ``async_to_sync``), on its own connection;
* when the event loop's thread holds it (pytest-django's ``django_db`` around an
  ``async def`` test, which pytest-asyncio runs in the thread that opened the
  transaction), on that connection, lent for the call as Django's
  ``LiveServerTestCase`` lends its connections to its server thread.

Otherwise (production, and tests whose rows are committed: ``TransactionTestCase``,
``django_db(transaction=True)``) each authentication has a thread of its own, as in
production, so slow ones still hold up no other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.core import mail
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

_T = TypeVar("_T")
_R = TypeVar("_R")

_LENT = threading.Lock()
# A connection serves one thread at a time: calls that borrow it take turns.


async def run_sync(func: Callable[[_T], _R], arg: _T, *, thread_sensitive: bool | None) -> _R:
    """Run ``func(arg)`` off the event loop, on the thread the module docstring describes.

    ``thread_sensitive`` True or False forces Channels' ``database_sync_to_async`` with
    that flag (stale connections closed around the call); None chooses automatically.
    """
    if thread_sensitive is None and _test_environment():
        # Inside a test's transaction the connection's autocommit differs from the
        # settings, which close_old_connections() takes for a broken connection and
        # closes, transaction and all: plain sync_to_async, no clean-up.
        held = _loop_thread_transactions()
        if held:
            return await sync_to_async(_lending(func, held), thread_sensitive=True)(arg)
        if await sync_to_async(_in_transaction, thread_sensitive=True)():
            return await sync_to_async(func, thread_sensitive=True)(arg)
    run = database_sync_to_async(func, thread_sensitive=bool(thread_sensitive))
    result: _R = await run(arg)
    return result


def _test_environment() -> bool:
    # setup_test_environment() creates mail.outbox (Django documents it as the test
    # runner's dummy outbox) and teardown_test_environment() deletes it.
    return hasattr(mail, "outbox")


def _in_transaction() -> bool:
    return any(conn.in_atomic_block for conn in connections.all(initialized_only=True))


def _loop_thread_transactions() -> list[BaseDatabaseWrapper]:
    """Connections that this thread's synchronous code left inside an atomic block.

    Called on the event loop's thread. Django keeps connections in an asgiref
    ``Local(thread_critical=True)``, which shows coroutines a storage of their own, not
    the ``threading.local`` the thread's synchronous code (a pytest-django fixture, before
    the loop started) opened the transaction in. This reads that ``threading.local``: the
    one place chanx reaches into Django's and asgiref's internals. Should they change
    shape, it finds nothing and authentication runs in a thread of its own, as before.
    """
    storage = getattr(getattr(connections, "_connections", None), "_storage", None)
    if not isinstance(storage, threading.local):
        return []
    held = (getattr(storage, alias, None) for alias in connections)
    return [c for c in held if isinstance(c, BaseDatabaseWrapper) and c.in_atomic_block]


def _lending(func: Callable[[_T], _R], held: list[BaseDatabaseWrapper]) -> Callable[[_T], _R]:
    def run(arg: _T) -> _R:
        with _LENT:
            own = {conn.alias: connections[conn.alias] for conn in held}
            for conn in held:
                conn.inc_thread_sharing()
                connections[conn.alias] = conn
            try:
                return func(arg)
            finally:
                for conn in held:
                    connections[conn.alias] = own[conn.alias]
                    conn.dec_thread_sharing()

    return run


__all__ = ["run_sync"]
