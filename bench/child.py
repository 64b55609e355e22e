"""Runs one contender in this process: `python -m bench.child MODULE FUNCTION ARGS OUT`.

ARGS is a JSON object of keyword arguments; the function's result (a JSON object with
`seconds`) is written to the file OUT. With OKR_BENCH_PROFILE=FILE the call runs under
cProfile and the statistics are saved to FILE.
"""

from __future__ import annotations

import cProfile
import importlib
import json
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    module, function, arguments, out = argv
    contender = getattr(importlib.import_module(f"bench.{module}"), function)
    profile_to = os.environ.get("OKR_BENCH_PROFILE")
    if profile_to:
        profiler = cProfile.Profile()
        result = profiler.runcall(contender, **json.loads(arguments))
        profiler.dump_stats(profile_to)
    else:
        result = contender(**json.loads(arguments))
    Path(out).write_text(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
