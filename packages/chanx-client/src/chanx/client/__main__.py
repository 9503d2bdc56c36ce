"""``python -m chanx.client`` runs the ``chanx-client`` command line."""

from __future__ import annotations

import sys

from chanx.client.cli import main

sys.exit(main())
