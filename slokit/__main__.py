from __future__ import annotations

from slokit.cli import main

main()
