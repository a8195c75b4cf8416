"""The ``hwsim`` command line: the only place that turns exceptions into exit codes.

Each subcommand lives in ``hwsim/commands/<name>.py`` with ``register(subparsers)``, which adds
its parser and sets ``func(args) -> int``. Exit codes: 0 success, 2 bad input (message on
stderr, no traceback), 130 interrupted.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from hwsim.errors import HwsimError

COMMANDS = ("arch", "workload", "estimate", "prune", "sweep", "run", "report", "simulate")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hwsim",
        description="Memory, energy and latency of dense vs pruned networks on an accelerator.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"hwsim.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HwsimError as exc:
        print(f"hwsim: error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"hwsim: error: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hwsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
