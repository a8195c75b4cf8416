"""The ``hwsim`` command line: the only place that turns exceptions into exit codes.

Each subcommand lives in ``hwsim/commands/<name>.py`` with ``register(subparsers)``, which adds
its parser and sets ``func(args) -> int``. Exit codes:

* 0 success (a command may return another code, e.g. ``arch check`` 2 when a file fails);
* 2 bad input or environment: a :class:`~hwsim.errors.HwsimError` (its message, no
  traceback), a file that cannot be read or written (``hwsim: error: No such file or
  directory: runs/x.yaml``), or a command that needs an optional extra that is not installed
  (``hwsim: error: hwsim prune needs torch, which is not installed: pip install
  'hwsim[torch]'``);
* 3 internal error, the last resort for anything else: one line ``hwsim: internal error:
  ValueError: <message>. Rerun with --debug for the traceback.``;
* 130 interrupted (Ctrl-C).

``--debug`` (anywhere on the command line: ``hwsim --debug estimate ...`` or ``hwsim estimate
... --debug``) prints the traceback of whatever stopped the command, then the same one-line
message and exit code.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from hwsim.errors import HwsimError

COMMANDS = ("arch", "workload", "estimate", "prune", "sweep", "run", "report", "simulate")
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
# Optional packages -> the extra that installs them (pyproject.toml optional-dependencies).
EXTRAS = {"torch": "torch", "torchvision": "torch", "mlxtend": "torch", "dask": "dask",
          "distributed": "dask", "onnx": "onnx"}
MESSAGE_CHARS = 400  # an exception's message is cut to this many characters (one line)


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and a hint, not the usage block:
    ``hwsim estimate: error: argument --batch: ... (hwsim estimate --help lists the options)``.
    Subparsers inherit the class (``add_subparsers`` uses the parent's type)."""

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT,
                  f"{self.prog}: error: {message} ({self.prog} --help lists the options)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="hwsim",
        description="Memory, energy and latency of dense vs pruned networks on an accelerator.")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback when a command fails")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"hwsim.commands.{name}").register(sub)
    _add_debug_everywhere(sub)
    return parser


def _add_debug_everywhere(subparsers: argparse._SubParsersAction) -> None:
    """``--debug`` after any (nested) subcommand too; SUPPRESS keeps the top-level value."""
    for parser in set(subparsers.choices.values()):
        if not any("--debug" in action.option_strings for action in parser._actions):
            parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                                help="show the traceback when the command fails")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _add_debug_everywhere(action)


def main(argv: list[str] | None = None) -> int:
    """Run one command; every exception becomes a one-line message and an exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv  # known before parsing: the parser itself could fail
    command = next((a for a in argv if a in COMMANDS), None)
    try:
        args = build_parser().parse_args(argv)
        debug = bool(getattr(args, "debug", debug))
        from hwsim.fileio import check_output_arguments  # before the work: issue 14
        check_output_arguments(args)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("hwsim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `hwsim ... | head`: the reader left; say nothing more
        _silence_stdout()
        return 1
    except Exception as exc:  # noqa: BLE001 - the CLI's last resort (module docstring)
        if debug:
            traceback.print_exc()
        code, message = describe(exc, command)
        print(message, file=sys.stderr)
        return code


def describe(exc: BaseException, command: str | None = None) -> tuple[int, str]:
    """(exit code, one-line message) for an exception that stopped ``hwsim <command>``.

    Example: ``describe(ValueError("bad"))`` -> ``(3, "hwsim: internal error: ValueError: bad.
    Rerun with --debug for the traceback.")`` (one line).
    """
    if isinstance(exc, HwsimError):
        return EXIT_BAD_INPUT, f"hwsim: error: {exc}"
    extra = _missing_extra(exc)
    if extra is not None:
        package, name = extra
        who = f"hwsim {command}" if command else "this command"
        return EXIT_BAD_INPUT, (f"hwsim: error: {who} needs {package}, which is not installed: "
                                f"pip install 'hwsim[{name}]'")
    if isinstance(exc, OSError):
        what = exc.strerror or _one_line(str(exc)) or type(exc).__name__
        where = f": {exc.filename}" if exc.filename else ""
        return EXIT_BAD_INPUT, f"hwsim: error: {what}{where}"
    text = _one_line(str(exc))
    return EXIT_INTERNAL, (f"hwsim: internal error: {type(exc).__name__}"
                           + (f": {text}" if text else "")
                           + ". Rerun with --debug for the traceback.")


def _missing_extra(exc: BaseException) -> tuple[str, str] | None:
    """(package, extra) when ``exc`` is an optional package that could not be imported."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    package = exc.name.split(".")[0]
    return (package, EXTRAS[package]) if package in EXTRAS else None


def _one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed, cut to :data:`MESSAGE_CHARS`, no final dot."""
    text = " ".join(text.split()).rstrip(".")
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS - 3] + "..."


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
