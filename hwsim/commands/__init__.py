"""Subcommands of the ``hwsim`` CLI, one module each (see hwsim/cli.py).

Options that several commands share are added by the helpers below, so that they are spelled and
explained the same everywhere.
"""
from __future__ import annotations


def bounded_int(low: int, high: int):
    """An argparse ``type``: an integer in [low, high], so that ``--batch 0`` or ``--batch
    10**30`` is refused by name (``argument --batch: must be an integer from 1 to 1048576``)
    before any work."""
    import argparse

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer. Got {text[:40]!r} "
                                             "instead") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be an integer from {low} to {high:,}. "
                                             f"Got {text[:40]} instead")
        return value
    return parse


MAX_BATCH = 2 ** 20
"""Largest ``--batch`` (a million images per batch)."""


def add_arch_workload_arguments(parser, layer_help: str) -> None:
    """``--arch NAME|FILE --workload NAME|FILE [--profile P] [--batch N] [--layer NAME]``."""
    parser.add_argument("--arch", required=True, metavar="NAME|FILE",
                        help="shipped accelerator (hwsim arch list) or accelerator YAML")
    parser.add_argument("--workload", required=True, metavar="NAME|FILE",
                        help="built-in network name or workload file")
    parser.add_argument("--profile", help="sparsity profile, e.g. han2015")
    parser.add_argument("--batch", type=bounded_int(1, MAX_BATCH), help="images per batch")
    parser.add_argument("--layer", metavar="NAME", help=layer_help)


def add_output_arguments(parser, formats) -> None:
    """``--format {formats} --output FILE`` (the file is written atomically)."""
    parser.add_argument("--format", choices=formats, default=formats[0])
    parser.add_argument("--output", metavar="FILE",
                        help="write here (atomically) instead of stdout")


RESIDENCY_CHOICES = ("streamed", "network", "per-layer")


def add_residency_argument(parser) -> None:
    """``--residency streamed|network|per-layer``: overrides every accelerator's policy."""
    parser.add_argument("--residency", choices=RESIDENCY_CHOICES,
                        help="whether weights stay on chip across inferences, for every "
                             "accelerator and both networks: streamed, network (first fit) "
                             "or per-layer (each layer alone); default: each arch file's "
                             "residency.policy")
