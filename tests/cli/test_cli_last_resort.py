"""hwsim/cli.py turns every exception into one line and an exit code; ``--debug`` adds the
traceback. Unexpected errors are injected by replacing a command's handler."""
from __future__ import annotations

import errno
import subprocess
import sys

import pytest

import hwsim.commands.arch as arch_command
from hwsim import cli
from hwsim.errors import ConfigError, Problem

HINT = ". Rerun with --debug for the traceback."


def _raise(exc: BaseException):
    def handler(args):
        raise exc
    return handler


def run(monkeypatch, capsys, exc, *argv):
    """``hwsim arch list ARGV`` with the handler raising ``exc``: (code, stdout, stderr)."""
    monkeypatch.setattr(arch_command, "run_list", _raise(exc))
    code = cli.main(["arch", "list", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_unexpected_error_is_one_line_with_a_hint(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, ZeroDivisionError("division by zero"))
    assert code == cli.EXIT_INTERNAL == 3
    assert out == ""
    assert err == f"hwsim: internal error: ZeroDivisionError: division by zero{HINT}\n"


def test_message_on_several_lines_becomes_one_and_long_ones_are_cut(monkeypatch, capsys):
    _, _, err = run(monkeypatch, capsys, ValueError("first\n  second\n" + "x" * 1000))
    assert err.count("\n") == 1
    assert err.startswith("hwsim: internal error: ValueError: first second xxx")
    assert err.endswith(f"...{HINT}\n")
    assert len(err) < cli.MESSAGE_CHARS + 100


def test_an_error_without_a_message_names_its_type(monkeypatch, capsys):
    _, _, err = run(monkeypatch, capsys, KeyError())
    assert err == f"hwsim: internal error: KeyError{HINT}\n"


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_prints_the_traceback_then_the_same_line(monkeypatch, capsys, where):
    monkeypatch.setattr(arch_command, "run_list", _raise(RuntimeError("boom")))
    argv = ["--debug", "arch", "list"] if where == "before" else ["arch", "list", "--debug"]
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 3
    assert err.startswith("Traceback (most recent call last):")
    assert "in handler" in err and "RuntimeError: boom" in err
    assert err.splitlines()[-1] == f"hwsim: internal error: RuntimeError: boom{HINT}"


def test_without_debug_no_traceback_even_for_bad_input(monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, ConfigError([Problem("a.b", "must be > 0", -1,
                                                                 "x.yaml")]))
    assert code == 2
    assert err == "hwsim: error: x.yaml: a.b must be > 0. Got -1 instead.\n"


def test_debug_shows_the_traceback_of_bad_input_too(monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, ConfigError([Problem("a", "must be 1", 2)]),
                       "--debug")
    assert code == 2 and "Traceback" in err
    assert err.splitlines()[-1] == "hwsim: error: a must be 1. Got 2 instead."


def test_a_missing_optional_package_names_its_extra(monkeypatch, capsys):
    exc = ModuleNotFoundError("No module named 'distributed'", name="distributed")
    code, _, err = run(monkeypatch, capsys, exc)
    assert code == 2
    assert err == ("hwsim: error: hwsim arch needs distributed, which is not installed: "
                   "pip install 'hwsim[dask]'\n")


def test_a_missing_module_of_hwsim_itself_is_internal(monkeypatch, capsys):
    exc = ModuleNotFoundError("No module named 'hwsim.nothing'", name="hwsim.nothing")
    code, _, err = run(monkeypatch, capsys, exc)
    assert code == 3 and err.startswith("hwsim: internal error: ModuleNotFoundError")


def test_file_errors_name_the_file(monkeypatch, capsys):
    exc = OSError(errno.ENOSPC, "No space left on device", "runs/out.json")
    code, _, err = run(monkeypatch, capsys, exc)
    assert code == 2
    assert err == "hwsim: error: No space left on device: runs/out.json\n"


def test_interrupt_exits_130(monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, KeyboardInterrupt())
    assert code == 130 and err == "hwsim: interrupted\n"


def test_an_error_while_building_the_parser_is_caught(monkeypatch, capsys):
    monkeypatch.setattr(arch_command, "register", _raise(TypeError("bad register")))
    code = cli.main(["arch", "list"])
    assert code == 3
    assert capsys.readouterr().err == (f"hwsim: internal error: TypeError: bad register{HINT}"
                                       "\n")


def test_argparse_errors_stay_argparse_errors(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["arch", "list", "--nope"])
    assert stop.value.code == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


def test_describe_is_pure():
    assert cli.describe(ValueError("bad")) == (3, f"hwsim: internal error: ValueError: bad{HINT}")


def test_closed_pipe_is_quiet():
    """``hwsim arch list | head -1``: the reader leaves early; no traceback, no message."""
    code = ("import sys; from hwsim.cli import main; sys.stdout = open(sys.stdout.fileno(), 'w',"
            " buffering=1, closefd=False); sys.exit(main(['arch', 'show', 'eie']))")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "internal error" not in err, err


@pytest.mark.parametrize("argv, expected", [
    (["estimate", "--arch", "eie"], "hwsim estimate: error: the following arguments are "
                                    "required: --workload"),
    (["arch", "shw"], "hwsim arch: error: argument ACTION: invalid choice: 'shw'"),
    (["estimate", "--arch", "eie", "--workload", "alexnet", "--batch", "0"],
     "hwsim estimate: error: argument --batch: must be an integer from 1"),
])
def test_a_bad_command_line_is_one_line_and_a_hint_not_the_usage_block(capsys, argv, expected):
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "usage:" not in err
    assert err.startswith(expected)
    assert err.rstrip().endswith("--help lists the options)")
