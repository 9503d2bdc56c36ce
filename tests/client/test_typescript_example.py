"""The chat example's committed TypeScript client is what the generator makes of its document.

The page loads ``examples/chat/chat/static/chat/client/*.js``, compiled from the ``.ts`` next to
them. Regenerating from the example's document must give the same ``.ts`` bytes, and compiling
them with the pinned TypeScript the same ``.js`` bytes: a change to the consumers, the messages
or the generator that is not followed by ``python examples/chat/regenerate_client.py`` fails
here. The pages' own scripts (the chat page's and the hub page's) are type-checked against the
client as well.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.client.typescript_compiler import regenerate_script, run_tsc, typescript_compiler
from tests.e2e.servers import EXAMPLE, example_env

STATIC = EXAMPLE / "chat" / "static" / "chat"


def test_committed_chat_client_is_what_regenerating_gives(tmp_path: Path) -> None:
    typescript_compiler()  # installs it, or skips without node and npm
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "regenerate_client.py"), "--check"],
        cwd=EXAMPLE,
        env=example_env(tmp_path / "chat.sqlite3"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout
    committed = sorted(path.name for path in (STATIC / "client").iterdir())
    sources = [name for name in committed if name.endswith(".ts")]
    assert sources == ["chat.ts", "hub.ts", "index.ts", "models.ts", "runtime.ts"]
    assert committed == sorted(sources + [name[:-3] + ".js" for name in sources])


def test_page_scripts_type_check_against_the_generated_client() -> None:
    tsc = typescript_compiler()
    assert regenerate_script().CLIENT_DIR == STATIC / "client"
    pages = [str(STATIC / "chat.js"), str(STATIC / "hub.js")]
    result = run_tsc(tsc, "--noEmit", "--allowJs", "--checkJs", *pages)
    assert result.returncode == 0, result.stdout + result.stderr
