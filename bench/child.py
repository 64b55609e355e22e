"""Runs one contender in this process: `python -m bench.child MODULE FUNCTION ARGS OUT`.

ARGS is a JSON object of keyword arguments; the function's result (a JSON object with
`seconds`, measured by a `bench.common.Stopwatch`) is written to the file OUT.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    module, function, arguments, out = argv
    contender = getattr(importlib.import_module(f"bench.{module}"), function)
    result = contender(**json.loads(arguments))
    Path(out).write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
