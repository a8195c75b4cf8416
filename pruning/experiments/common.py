"""Small helpers shared by the experiment scripts: threads, output folders, figure files."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from hwsim.fileio import write_text_atomic, write_with

REPO = Path(__file__).resolve().parents[2]
FIGURES = REPO / "reports" / "figures"


def base_parser(description: str, out: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default=str(REPO / "runs" / out),
                        help="folder for data and checkpoints (git-ignored)")
    parser.add_argument("--figure-dir", default=str(FIGURES), help="where the PNGs go")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--progress", action="store_true", help="show progress bars")
    return parser


def setup(args: argparse.Namespace) -> tuple[Path, Path]:
    import torch

    torch.set_num_threads(args.threads)
    out, figures = Path(args.out), Path(args.figure_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures.mkdir(parents=True, exist_ok=True)
    return out, figures


def new_figure(width: float = 6.0, height: float = 4.0, ncols: int = 1):
    """A matplotlib Figure (no pyplot, no global state) and its axes."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    axes = figure.subplots(1, ncols)
    return figure, axes


def save_figure(figure, path: Path) -> Path:
    figure.tight_layout()
    fmt = Path(path).suffix.lstrip(".") or "png"
    write_with(path, lambda out: figure.savefig(out, format=fmt))
    print(f"wrote {path}")
    return path


def write_json(data, path: Path) -> Path:
    write_text_atomic(path, json.dumps(data, indent=1))
    print(f"wrote {path}")
    return path
