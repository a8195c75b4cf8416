"""Subcommands of the ``hwsim`` CLI, one module each (see hwsim/cli.py).

Options that several commands share are added by the helpers below, so that they are spelled and
explained the same everywhere.
"""
from __future__ import annotations


def add_arch_workload_arguments(parser, layer_help: str) -> None:
    """``--arch NAME|FILE --workload NAME|FILE [--profile P] [--batch N] [--layer NAME]``."""
    parser.add_argument("--arch", required=True, metavar="NAME|FILE",
                        help="shipped accelerator (hwsim arch list) or accelerator YAML")
    parser.add_argument("--workload", required=True, metavar="NAME|FILE",
                        help="built-in network name or workload file")
    parser.add_argument("--profile", help="sparsity profile, e.g. han2015")
    parser.add_argument("--batch", type=int, help="images per batch")
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
