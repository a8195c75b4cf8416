"""Fuzz-style corpus of malformed inputs run through every ``hwsim`` command.

Every case is bad input: the command must exit 2 with one short message naming what the user
gave (the file, the dotted key, the value), never a traceback, never exit 0. The corpus is
generated in ``tmp_path`` (nothing committed): arch YAMLs, run configs, sweep specs, mapping
files, workload files, results JSON and CLI arguments.

Classes of failure (``classify``):

* ``traceback``: an exception escaped ``hwsim.cli.main`` (or "Traceback" / the CLI's
  last-resort "internal error" text reached stderr);
* ``silent``: exit 0 on bad input;
* ``unclear``: exit 2 but the message lacks an expected piece (file, key, value), is longer
  than :data:`MAX_MESSAGE` characters on a line, or names a temporary file;
* ``ok``.

Run ``python tests/test_fuzz_cli.py [--subprocess]`` for the counts per class and the cases
that fail (``--subprocess`` runs each case as ``python -m hwsim`` in a fresh process).
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARCHS = Path(os.environ.get("HWSIM_FUZZ_ARCHS", ROOT / "arch_configs"))
"""The shipped accelerators the corpus names (``HWSIM_FUZZ_ARCHS``: another copy, e.g. an
older commit's with ``HWSIM_FUZZ_SOURCE``)."""
MAX_MESSAGE = 600
"""Longest acceptable message line (a value echoed in full is not a message)."""


@dataclass(frozen=True, kw_only=True)
class Case:
    """One malformed input: ``argv`` for ``hwsim``, the ``kind`` of input (a class of bad
    input), and the substrings the message must contain."""

    name: str
    kind: str
    argv: tuple[str, ...]
    expect: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()
    env: dict = field(default_factory=dict)


# ---- corpus ----------------------------------------------------------------------------------
def _arch_text(**replace: str) -> str:
    """systolic_ws.yaml with some ``old=new`` line replacements (keys: the old text)."""
    text = (ARCHS / "systolic_ws.yaml").read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


_SMALL_ARCH = """\
name: tiny
technology_nm: 45
dataflow: weight_stationary
memories:
  dram: {kind: dram, preset: ddr4, size_bytes: 1 GiB}
  buffer: {kind: sram, size_bytes: 64 KiB, width_bits: 64, operands: [weights, inputs, outputs]}
compute:
  pe_count: 16
  array_rows: 4
  array_cols: 4
  macs_per_pe_per_cycle: 1
  clock_hz: 500e6
  weight_bits: 8
  activation_bits: 8
  accumulator_bits: 32
sparsity:
  weight_format: {format: dense}
  activation_format: {format: dense}
  weight_zeros: none
  activation_zeros: none
  distribution: dense_tiles
"""


def _bomb(levels: int = 9, width: int = 9) -> str:
    """The YAML 'billion laughs': ``width ** levels`` strings behind ``levels`` aliases."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * width)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def _expect(case: Case, *expect: str) -> Case:
    """``case`` expecting these pieces instead (a problem in a file the input names)."""
    return Case(name=case.name, kind=case.kind, argv=case.argv, expect=expect,
                forbid=case.forbid, env=case.env)


def _write(folder: Path, name: str, content) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


def _arch_cases(d: Path) -> list[Case]:
    cases = []

    def arch(name, kind, content, *expect, forbid=()):
        path = _write(d, f"arch/{name}.yaml", content)
        cases.append(Case(name=f"arch-{name}", kind=kind, argv=("arch", "check", path),
                          expect=(path, *expect), forbid=forbid))
        return path

    arch("latin1", "encoding", _SMALL_ARCH.replace("name: tiny", "name: tiny # caf\xe9")
         .encode("latin-1"), "UTF-8")
    arch("binary", "encoding", bytes(range(256)) * 8, "UTF-8")
    arch("utf16", "encoding", _SMALL_ARCH.encode("utf-16"), "UTF-8")
    arch("empty", "missing_section", "", "name")
    arch("deep_list", "nesting", "name: " + "[" * 20000 + "]" * 20000 + "\n", "nest")
    arch("deep_map", "nesting", "meta: " + "{a: " * 20000 + "1" + "}" * 20000 + "\n", "nest")
    arch("deep_block", "nesting", "".join(f"{' ' * i}k{i}:\n" for i in range(3000))
         + " " * 3000 + "v: 1\n", "nest")
    arch("bomb_meta", "alias_bomb", _SMALL_ARCH + "meta:\n" + "".join(
        "  " + line + "\n" for line in _bomb().splitlines()), "alias")
    arch("bomb_unknown", "alias_bomb", _SMALL_ARCH + _bomb(), "alias")
    arch("bomb_name", "alias_bomb", _bomb() + _SMALL_ARCH.replace("name: tiny", "name: *a8"),
         "alias")
    arch("long_value", "long_value", _SMALL_ARCH.replace("dataflow: weight_stationary",
                                                         "dataflow: " + "x" * 100000),
         "dataflow")
    arch("no_memories", "missing_section", _arch_text(**{"memories:": "unused:"}), "memories")
    arch("no_compute", "missing_section",
         _SMALL_ARCH.replace("compute:", "other:"), "compute")
    arch("memories_empty", "missing_section",
         "name: x\ntechnology_nm: 45\ndataflow: weight_stationary\nmemories: {}\n"
         "compute: {pe_count: 4, clock_hz: 1e9}\n", "memories")
    arch("memories_list", "missing_section",
         _SMALL_ARCH.replace("memories:\n", "memories: [1, 2]\nold_memories:\n"), "memories")
    arch("compute_null", "missing_section", _SMALL_ARCH.replace(
        "compute:\n", "compute:\nold_compute:\n"), "compute")
    arch("sparsity_null", "missing_section", _SMALL_ARCH.replace(
        "sparsity:\n", "sparsity:\nold_sparsity:\n"), "sparsity")
    arch("pe_1e30", "absurd_number", _SMALL_ARCH.replace("pe_count: 16", "pe_count: 1e30"),
         "compute.pe_count")
    arch("pe_huge_int", "absurd_number", _SMALL_ARCH.replace(
        "pe_count: 16", "pe_count: " + "9" * 40), "compute.pe_count")
    arch("rows_huge", "absurd_number", _SMALL_ARCH.replace("pe_count: 16",
                                                           "pe_count: 1000000000000000000")
         .replace("array_rows: 4", "array_rows: 1000000000").replace(
             "array_cols: 4", "array_cols: 1000000000"), "compute")
    arch("size_1e400", "inf_nan", _SMALL_ARCH.replace("size_bytes: 64 KiB", "size_bytes: 1e400"),
         "memories.buffer.size_bytes")
    arch("clock_inf", "inf_nan", _SMALL_ARCH.replace("clock_hz: 500e6", "clock_hz: .inf"),
         "compute.clock_hz")
    arch("clock_nan", "inf_nan", _SMALL_ARCH.replace("clock_hz: 500e6", "clock_hz: .nan"),
         "compute.clock_hz")
    arch("clock_tiny", "absurd_number", _SMALL_ARCH.replace("clock_hz: 500e6",
                                                             "clock_hz: 1e-300"),
         "compute.clock_hz")
    arch("width_inf", "inf_nan", _SMALL_ARCH.replace("width_bits: 64", "width_bits: .inf"),
         "memories.buffer.width_bits")
    arch("energy_nan", "inf_nan", _SMALL_ARCH.replace(
        "operands: [weights, inputs, outputs]}",
        "operands: [weights, inputs, outputs], read_energy_pj: .nan}"),
         "memories.buffer.read_energy_pj")
    arch("energy_neg_inf", "inf_nan", _SMALL_ARCH.replace(
        "operands: [weights, inputs, outputs]}",
        "operands: [weights, inputs, outputs], write_energy_pj: -.inf}"),
         "memories.buffer.write_energy_pj")
    arch("tech_inf", "inf_nan", _SMALL_ARCH.replace("technology_nm: 45", "technology_nm: .inf"),
         "technology_nm")
    arch("mac_nan", "inf_nan", _SMALL_ARCH.replace("macs_per_pe_per_cycle: 1",
                                                    "macs_per_pe_per_cycle: .nan"),
         "compute.macs_per_pe_per_cycle")
    arch("pe_bool", "bool_int", _SMALL_ARCH.replace("pe_count: 16", "pe_count: true"),
         "compute.pe_count")
    arch("bits_bool", "bool_int", _SMALL_ARCH.replace("weight_bits: 8", "weight_bits: true"),
         "compute.weight_bits")
    arch("size_bool", "bool_int", _SMALL_ARCH.replace("size_bytes: 64 KiB", "size_bytes: true"),
         "memories.buffer.size_bytes")
    arch("clock_bool", "bool_int", _SMALL_ARCH.replace("clock_hz: 500e6", "clock_hz: true"),
         "compute.clock_hz")
    arch("instances_bool", "bool_int", _SMALL_ARCH.replace(
        "operands: [weights, inputs, outputs]}",
        "operands: [weights, inputs, outputs], instances: false}"), "memories.buffer.instances")
    arch("instances_huge", "absurd_number", _SMALL_ARCH.replace(
        "operands: [weights, inputs, outputs]}",
        "operands: [weights, inputs, outputs], instances: 1e20}"), "memories.buffer.instances")
    arch("size_huge", "absurd_number", _SMALL_ARCH.replace(
        "size_bytes: 1 GiB", "size_bytes: 1e40"), "memories.dram.size_bytes")
    arch("top_list", "wrong_shape", "- 1\n- 2\n", "mapping")
    arch("top_scalar", "wrong_shape", "just a string\n", "mapping")
    arch("duplicate", "duplicate_key", _SMALL_ARCH + "name: again\n", "name")
    arch("python_tag", "yaml_syntax", "name: !!python/object:os.system ls\n", "YAML")
    arch("two_docs", "yaml_syntax", _SMALL_ARCH + "---\n" + _SMALL_ARCH, "YAML")
    arch("tab_syntax", "yaml_syntax", "name: x\n\tcompute: 1\n", "YAML")
    arch("complex_key", "wrong_shape", _SMALL_ARCH + "? [a, b]\n: 1\n", "[")
    secret = _write(d, "outside/secret.yaml", "password: hunter2-SECRET\n")
    arch("eref_outside", "energy_reference", _SMALL_ARCH + f"energy_reference: {secret}\n",
         "energy_reference", forbid=("hunter2",))
    arch("eref_dotdot", "energy_reference",
         _SMALL_ARCH + "energy_reference: ../outside/secret.yaml\n", "energy_reference",
         forbid=("hunter2",))
    _write(d, "arch/notes.txt", "TOP-SECRET-CONTENT: 42\nmore: [1, 2]\n")
    arch("eref_non_table", "energy_reference", _SMALL_ARCH + "energy_reference: notes.txt\n",
         "energy_reference", forbid=("TOP-SECRET",))
    _write(d, "arch/notes.yaml", "TOP-SECRET-CONTENT: 42\n")
    arch("eref_wrong_table", "energy_reference",
         _SMALL_ARCH + "energy_reference: notes.yaml\n", "energy_reference",
         forbid=("TOP-SECRET",))
    _write(d, "arch/eref.bin", bytes(range(256)))
    arch("eref_binary", "energy_reference", _SMALL_ARCH + "energy_reference: eref.bin\n",
         "energy_reference")
    arch("eref_folder", "energy_reference", _SMALL_ARCH + "energy_reference: .\n",
         "energy_reference")
    arch("eref_passwd", "energy_reference", _SMALL_ARCH + "energy_reference: /etc/passwd\n",
         "energy_reference", forbid=("root:",))
    arch("fallback_self", "wrong_shape", _SMALL_ARCH + "fallback_arch: fallback_self.yaml\n",
         "fallback_arch")
    arch("fallback_binary", "encoding", _SMALL_ARCH + "fallback_arch: eref.bin\n",
         "fallback_arch")
    cases.append(Case(name="arch-folder", kind="path", argv=("arch", "check", str(d)),
                      expect=(str(d),)))
    cases.append(Case(name="arch-missing", kind="path",
                      argv=("arch", "check", str(d / "nope.yaml")), expect=("nope.yaml",)))
    binary = str(d / "arch" / "binary.yaml")
    cases.append(Case(name="estimate-binary-arch", kind="encoding",
                      argv=("estimate", "--arch", binary, "--workload", "lenet300"),
                      expect=(binary, "UTF-8")))
    inf = str(d / "arch" / "clock_inf.yaml")
    cases.append(Case(name="estimate-inf-clock", kind="inf_nan",
                      argv=("estimate", "--arch", inf, "--workload", "lenet300"),
                      expect=(inf, "compute.clock_hz")))
    cases.append(Case(name="show-bomb", kind="alias_bomb",
                      argv=("arch", "show", str(d / "arch" / "bomb_meta.yaml")),
                      expect=("bomb_meta.yaml",)))
    return cases


def _run_config_cases(d: Path) -> list[Case]:
    cases = []
    eie, ws = ARCHS / "eie.yaml", ARCHS / "systolic_ws.yaml"
    base = (f"name: fz\nmodel: lenet300\nhardware:\n  accelerators: [{eie}]\n"
            f"  baseline: {ws}\n  simulate: false\nreport: {{figures: false}}\n"
            "cache: {enabled: false}\n")
    out = str(d / "run_out")

    def run(name, kind, content, *expect, forbid=()):
        path = _write(d, f"run/{name}.yaml", content)
        cases.append(Case(name=f"run-{name}", kind=kind, argv=("run", path, "--out", out,
                                                               "--no-progress"),
                          expect=(path, *expect), forbid=forbid))

    run("latin1", "encoding", ("name: caf\xe9\n").encode("latin-1"), "UTF-8")
    run("binary", "encoding", b"\x00\x01\xff\xfe" * 100, "UTF-8")
    run("deep", "nesting", "name: " + "[" * 20000 + "]" * 20000 + "\n", "nest")
    run("bomb", "alias_bomb", _bomb() + base, "alias")
    run("hardware_null", "missing_section", base.replace("hardware:\n", "hardware:\nhw_old:\n"),
        "hardware")
    run("dpi_inf", "inf_nan", base.replace("{figures: false}", "{figures: false, dpi: .inf}"),
        "report.dpi")
    run("dpi_bool", "bool_int", base.replace("{figures: false}", "{figures: false, dpi: true}"),
        "report.dpi")
    run("dpi_huge", "absurd_number", base.replace("{figures: false}",
                                                  "{figures: false, dpi: 1e12}"), "report.dpi")
    run("seed_nan", "inf_nan", base + "data: {seed: .nan}\n", "data.seed")
    run("seed_bool", "bool_int", base + "data: {seed: true}\n", "data.seed")
    run("bins_bool", "bool_int", base + "pruning: {histogram_bins: true}\n",
        "pruning.histogram_bins")
    run("bins_huge", "absurd_number", base + "pruning: {histogram_bins: 1e15}\n",
        "pruning.histogram_bins")
    run("threads_huge", "absurd_number", base + "pruning: {threads: 100000000}\n",
        "pruning.threads")
    run("acc_binary", "encoding", base.replace(str(eie), str(d / "arch" / "binary.yaml")),
        "binary.yaml")
    cases[-1] = _expect(cases[-1], str(d / "arch" / "binary.yaml"), "UTF-8")
    run("acc_folder", "path", base.replace(str(eie), str(d)), str(d))
    run("acc_inf_clock", "inf_nan", base.replace(str(eie), str(d / "arch" / "clock_inf.yaml")),
        "compute.clock_hz")
    cases[-1] = _expect(cases[-1], str(d / "arch" / "clock_inf.yaml"), "compute.clock_hz")
    run("budget_nan", "inf_nan", base + "pruning: {target_arch: " + str(eie)
        + ", budget: {energy: .nan}}\n", "pruning.budget")
    run("long_value", "long_value", base.replace("name: fz", "name: " + "y" * 100000), "name")
    cfg = _write(d, "run/ok.yaml", base)
    for name, target in (("out_file", _write(d, "run/a_file", "x")),
                         ("out_ro", "/proc/hwsim_fuzz/out")):
        cases.append(Case(name=f"run-{name}", kind="output_path",
                          argv=("run", cfg, "--out", target, "--no-progress"), expect=(target,)))
    cases.append(Case(name="run-cache-file", kind="output_path",
                      argv=("run", _write(d, "run/cached.yaml", base.replace(
                          "{enabled: false}", "{enabled: true}")), "--out", out,
                            "--no-progress"),
                      env={"HWSIM_CACHE_DIR": _write(d, "run/cache_is_file", "x")},
                      expect=("cache_is_file",)))
    return cases


def _sweep_cases(d: Path) -> list[Case]:
    cases = []
    base = str(d / "arch" / "base.yaml")
    _write(d, "arch/base.yaml", _SMALL_ARCH)
    head = f"name: fz\nbase: {base}\nworkloads: [lenet300]\n"

    def sweep(name, kind, content, *expect, extra=("--dry-run",)):
        path = _write(d, f"sweep/{name}.yaml", content)
        cases.append(Case(name=f"sweep-{name}", kind=kind,
                          argv=("sweep", path, "--out", str(d / "sweep_out"), "--no-progress",
                                *extra), expect=(path, *expect)))
        return path

    grid = "".join(f"  meta.k{i}: [{', '.join(str(v) for v in range(10))}]\n" for i in range(9))
    sweep("billion_grid", "billion_points", head + "grid:\n" + grid, "points")
    sweep("billion_random", "billion_points",
          head + "random:\n  samples: 1000000000\n  parameters:\n"
          "    compute.clock_hz: {low: 1.0e+8, high: 1.0e+9}\n", "random.samples")
    sweep("samples_inf", "inf_nan", head + "random:\n  samples: .inf\n  parameters:\n"
          "    compute.clock_hz: {low: 1.0e+8, high: 1.0e+9}\n", "random.samples")
    sweep("samples_bool", "bool_int", head + "random:\n  samples: true\n  parameters:\n"
          "    compute.clock_hz: {low: 1.0e+8, high: 1.0e+9}\n", "random.samples")
    sweep("low_nan", "inf_nan", head + "random:\n  samples: 4\n  parameters:\n"
          "    compute.clock_hz: {low: .nan, high: 1.0e+9}\n", "compute.clock_hz")
    sweep("latin1", "encoding", head.encode() + "description: caf\xe9\n".encode("latin-1"),
          "UTF-8")
    sweep("binary", "encoding", bytes(range(256)) * 4, "UTF-8")
    sweep("deep", "nesting", head + "grid: " + "[" * 20000 + "]" * 20000 + "\n", "nest")
    sweep("bomb", "alias_bomb", _bomb() + head + "grid: {compute.pe_count: [16]}\n", "alias")
    sweep("no_base", "missing_section", "name: fz\nworkloads: [lenet300]\ngrid: {}\n", "base")
    binary = str(d / "arch" / "binary.yaml")
    sweep("base_binary", "encoding", head.replace(base, binary)
          + "grid: {compute.clock_hz: [1e9]}\n", "binary.yaml")
    cases[-1] = Case(name=cases[-1].name, kind=cases[-1].kind, argv=cases[-1].argv,
                     expect=(binary, "UTF-8"))
    sweep("no_workloads", "missing_section", f"name: fz\nbase: {base}\n"
          "grid: {compute.clock_hz: [1e9]}\n", "workloads")
    ok = sweep("ok", "ok", head + "grid: {compute.clock_hz: [1e9, 2e9]}\n")
    cases.pop()
    afile = _write(d, "sweep/a_file", "x")
    cases.append(Case(name="sweep-out-file", kind="output_path",
                      argv=("sweep", ok, "--out", afile, "--no-progress", "--no-plots"),
                      expect=(afile,)))
    cases.append(Case(name="sweep-out-ro", kind="output_path",
                      argv=("sweep", ok, "--out", "/proc/hwsim_fuzz", "--no-progress",
                            "--no-plots"), expect=("/proc/hwsim_fuzz",)))
    for flag, value in (("--workers", "0"), ("--chunk-size", "0"), ("--top", "-1"),
                        ("--dask-local", "0")):
        cases.append(Case(name=f"sweep-{flag[2:]}-{value}", kind="cli_number",
                          argv=("sweep", ok, "--out", str(d / "sweep_out2"), "--no-progress",
                                "--no-plots", flag, value), expect=(flag,)))
    return cases


def _mapping_cases(d: Path) -> list[Case]:
    cases = []
    eie = str(ARCHS / "systolic_ws.yaml")

    def mapping(name, kind, content, *expect, suffix=".yaml"):
        path = _write(d, f"mapping/{name}{suffix}", content)
        cases.append(Case(name=f"mapping-{name}", kind=kind,
                          argv=("estimate", "--arch", eie, "--workload", "lenet300",
                                "--mapping", path), expect=(path, *expect)))

    mapping("latin1", "encoding", "mappings: []\n# caf\xe9\n".encode("latin-1"), "UTF-8")
    mapping("binary", "encoding", bytes(range(256)) * 4, "UTF-8")
    mapping("deep_json", "nesting", "[" * 100000 + "]" * 100000, "nest", suffix=".json")
    mapping("deep_yaml", "nesting", "mappings: " + "[" * 20000 + "]" * 20000, "nest")
    mapping("bomb", "alias_bomb", _bomb() + "mappings: []\n", "alias")
    mapping("json_nan", "inf_nan", json.dumps({"mappings": [{"layer": "fc1", "mapping": {
        "dataflow": "weight_stationary", "spatial": [["K", float("nan")]], "levels": []}}]}),
        "spatial", suffix=".json")
    mapping("factor_huge", "absurd_number",
            "mappings:\n  - layer: fc1\n    mapping:\n      dataflow: weight_stationary\n"
            "      spatial: [[K, 1e30]]\n      levels: []\n", "spatial")
    mapping("factor_bool", "bool_int",
            "constraints:\n  - layer: fc1\n    spatial: [[K, true]]\n", "spatial")
    mapping("top_list", "wrong_shape", "- 1\n", "mapping")
    mapping("json_list", "wrong_shape", "[1, 2]", "mapping", suffix=".json")
    mapping("json_bad", "yaml_syntax", "{not json", "JSON", suffix=".json")
    return cases


def _workload_cases(d: Path) -> list[Case]:
    """Workload files (validated by hwsim/workload/files.py)."""
    cases = []
    eie = str(ARCHS / "eie.yaml")
    layer = ("name: fz\nlayers:\n  - {name: fc1, kind: linear, in_channels: 4, "
             "out_channels: 4}\n")

    def workload(name, kind, content, *expect, suffix=".yaml"):
        path = _write(d, f"workload/{name}{suffix}", content)
        cases.append(Case(name=f"workload-{name}", kind=kind,
                          argv=("estimate", "--arch", eie, "--workload", path),
                          expect=(path, *expect)))

    workload("binary", "encoding", bytes(range(256)) * 4, "UTF-8")
    workload("latin1", "encoding", (layer + "# caf\xe9\n").encode("latin-1"), "UTF-8")
    workload("deep", "nesting", "[" * 100000 + "]" * 100000, "nest", suffix=".json")
    workload("bomb", "alias_bomb", _bomb() + layer, "alias")
    workload("duplicate", "duplicate_key", layer + "name: again\n", "name")
    workload("huge_layer", "absurd_number", layer.replace("in_channels: 4",
                                                          "in_channels: 100000000")
             .replace("out_channels: 4", "out_channels: 100000000"), "fc1")
    workload("features_bool", "bool_int", layer.replace("in_channels: 4", "in_channels: true"),
             "in_channels")
    workload("density_nan", "inf_nan", layer.replace("out_channels: 4}",
                                                     "out_channels: 4, weight_density: .nan}"),
             "weight_density")
    cases.append(Case(name="simulate-huge-layer", kind="absurd_number",
                      argv=("simulate", "--arch", eie, "--workload",
                            str(d / "workload" / "huge_layer.yaml")), expect=("fc1",)))
    return cases


def _results_cases(d: Path) -> list[Case]:
    """Results files (validated by hwsim/report/results.py)."""
    cases = []

    def results(name, kind, content, *expect):
        path = _write(d, f"results/{name}.json", content)
        cases.append(Case(name=f"results-{name}", kind=kind,
                          argv=("report", path, "--out", str(d / "report_out"), "--quiet"),
                          expect=(path, *expect)))

    results("binary", "encoding", bytes(range(256)) * 4, "UTF-8")
    results("deep", "nesting", "[" * 100000 + "]" * 100000, "nest")
    results("list", "wrong_shape", "[1, 2, 3]")
    results("empty_obj", "wrong_shape", "{}")
    results("estimates_str", "wrong_shape", json.dumps({"estimates": "x", "name": "a"}),
            "estimates")
    return cases


def _cli_cases(d: Path) -> list[Case]:
    cases = []
    ws = str(ARCHS / "systolic_ws.yaml")
    eie = str(ARCHS / "eie.yaml")
    folder = str(d / "a_folder")
    Path(folder).mkdir(exist_ok=True)
    afile = _write(d, "cli/a_file", "x")

    def cli(name, kind, argv, *expect):
        cases.append(Case(name=f"cli-{name}", kind=kind, argv=tuple(argv), expect=expect))

    est = ["estimate", "--arch", ws, "--workload", "lenet300"]
    sim = ["simulate", "--arch", eie, "--workload", "lenet300", "--profile", "han2015",
           "--layer", "fc3"]
    cli("batch0", "cli_number", est + ["--batch", "0"], "--batch")
    cli("batch_neg", "cli_number", est + ["--batch", "-3"], "--batch")
    cli("batch_huge", "absurd_number", est + ["--batch", "10" + "0" * 30], "--batch")
    cli("layer_unknown", "cli_value", est + ["--layer", "nope"], "nope")
    cli("profile_unknown", "cli_value", est + ["--profile", "nope"], "nope")
    cli("workload_unknown", "cli_value", ["estimate", "--arch", ws, "--workload", "nope"],
        "nope")
    cli("output_folder", "output_path", est + ["--output", folder], folder)
    cli("output_under_file", "output_path", est + ["--output", afile + "/x.json"], afile)
    cli("output_ro", "output_path", est + ["--output", "/proc/hwsim_fuzz.txt"],
        "/proc/hwsim_fuzz.txt")
    cli("timeline_suffix", "output_path", sim + ["--timeline", str(d / "t.xyz")], "t.xyz")
    cli("timeline_folder", "output_path", sim + ["--timeline", folder], folder)
    cli("trace_folder", "output_path", sim + ["--trace", folder], folder)
    cli("trace_ro", "output_path", sim + ["--trace", "/proc/hwsim_fuzz.csv"],
        "/proc/hwsim_fuzz.csv")
    cli("fifo0", "cli_number", sim + ["--fifo-depth", "0"], "--fifo-depth")
    cli("fifo_huge", "absurd_number", sim + ["--fifo-depth", "1" + "0" * 15], "--fifo-depth")
    cli("sim_batch_huge", "absurd_number", sim + ["--batch", "1" + "0" * 12], "--batch")
    cli("report_out_file", "output_path", ["report", str(d / "results" / "list.json"),
                                           "--out", afile], afile)
    cli("report_dpi0", "cli_number", ["report", str(d / "results" / "list.json"), "--out",
                                      folder, "--dpi", "0"], "--dpi")
    cli("prune_threads0", "cli_number", ["prune", "--model", "lenet300", "--out", folder,
                                         "--threads", "0"], "--threads")
    cli("prune_budget_nan", "inf_nan", ["prune", "--model", "lenet300", "--out", folder,
                                        "--target-arch", eie, "--budget", "energy=nan"],
        "--budget")
    cli("prune_budget_inf", "inf_nan", ["prune", "--model", "lenet300", "--out", folder,
                                        "--target-arch", eie, "--budget", "energy=inf"],
        "--budget")
    cli("prune_out_file", "output_path", ["prune", "--model", "lenet300", "--out", afile],
        afile)
    ckpt = _write(d, "cli/evil.pt", b"\x80\x04\x95" + bytes(range(200)))
    cli("prune_ckpt_binary", "encoding", ["prune", "--model", "lenet300", "--out", folder,
                                          "--dense-checkpoint", ckpt], "evil.pt")
    cli("prune_model_binary", "encoding", ["prune", "--model", ckpt, "--schedule",
                                           "han2015_lenet300", "--out", folder], "evil.pt")
    cli("arch_show_format", "cli_value", ["arch", "show", ws, "--format", "xml"], "xml")
    cli("workload_export_folder", "output_path", ["workload", "export", "lenet300", "--output",
                                                  folder], folder)
    return cases


def build_corpus(folder: Path) -> list[Case]:
    """Every case, its files written under ``folder``."""
    folder = Path(folder)
    return [*_arch_cases(folder), *_run_config_cases(folder), *_sweep_cases(folder),
            *_mapping_cases(folder), *_workload_cases(folder), *_results_cases(folder),
            *_cli_cases(folder)]


# ---- running and classifying -----------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Outcome:
    rc: int
    stdout: str
    stderr: str
    escaped: str = ""
    """The traceback of an exception that escaped ``main`` (in-process runs)."""


def run_in_process(case: Case) -> Outcome:
    """``hwsim.cli.main(argv)`` with stdout/stderr captured (argparse's SystemExit is the rc)."""
    from hwsim.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in case.env}
    os.environ.update(case.env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(list(case.argv))
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else 2
            except BaseException:  # noqa: BLE001 - the point of the corpus
                return Outcome(rc=1, stdout=out.getvalue(), stderr=err.getvalue(),
                               escaped=traceback.format_exc())
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Outcome(rc=rc, stdout=out.getvalue(), stderr=err.getvalue())


_ENTRY = ("import os, sys; sys.path[:0] = [p for p in [os.environ.get('HWSIM_FUZZ_SOURCE')] if p]; "
          "from hwsim.cli import main; sys.exit(main())")
"""``HWSIM_FUZZ_SOURCE=DIR`` runs the hwsim package found in DIR (e.g. an older commit's)."""


def run_subprocess(case: Case, timeout: float = 40) -> Outcome:
    env = {**os.environ, **case.env, "COLUMNS": "100"}
    try:
        done = subprocess.run([sys.executable, "-c", _ENTRY, *case.argv], capture_output=True,
                              text=True, errors="replace", env=env, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        return Outcome(rc=0, stdout=str(exc.stdout or ""), stderr="(timed out: it ran)")
    return Outcome(rc=done.returncode, stdout=done.stdout, stderr=done.stderr)


def classify(case: Case, outcome: Outcome) -> tuple[str, str]:
    """``(class, why)``: traceback, silent, unclear or ok."""
    err = outcome.stderr
    if outcome.escaped or "Traceback (most recent call last)" in err:
        last = (outcome.escaped or err).strip().splitlines()[-1]
        return "traceback", last[:200]
    if "internal error" in err.lower():
        return "traceback", err.strip().splitlines()[0][:200]
    if outcome.rc == 0:
        return "silent", f"exit 0: {(outcome.stdout or err).strip()[:120]!r}"
    lines = err.strip().splitlines()
    if not lines:
        return "unclear", f"exit {outcome.rc} and no message"
    if any(len(line) > MAX_MESSAGE for line in lines):
        return "unclear", f"a line of {max(map(len, lines))} characters"
    missing = [e for e in case.expect if e not in err]
    if missing:
        return "unclear", f"message lacks {missing}: {err.strip()[:300]!r}"
    leaked = [f for f in case.forbid if f in err or f in outcome.stdout]
    if leaked or ".tmp" in err:
        return "unclear", f"message shows {leaked or '.tmp'}: {err.strip()[:200]!r}"
    return "ok", ""


# ---- tests -----------------------------------------------------------------------------------
_IDS = [c.name for c in build_corpus(Path(tempfile.mkdtemp(prefix="hwsim-fuzz-ids-")))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Case]:
    folder = tmp_path_factory.mktemp("fuzz")
    return {c.name: c for c in build_corpus(folder)}


@pytest.mark.parametrize("name", _IDS)
def test_bad_input_is_refused_with_a_clear_message(corpus, name, monkeypatch, tmp_path):
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(tmp_path)
    case = corpus[name]
    kind, why = classify(case, run_in_process(case))
    assert kind == "ok", f"{case.name} ({case.kind}): {kind}: {why}"


def test_subprocess_runs_give_no_traceback(corpus):
    """A few cases through a real process (the in-process runs cover the rest)."""
    for name in ("arch-binary", "arch-bomb_meta", "arch-clock_inf", "sweep-billion_grid"):
        case = corpus[name]
        kind, why = classify(case, run_subprocess(case))
        assert kind == "ok", f"{case.name}: {kind}: {why}"


def _main(argv: list[str]) -> int:
    use_subprocess = "--subprocess" in argv
    only = [a for a in argv if not a.startswith("--")]
    with tempfile.TemporaryDirectory(prefix="hwsim-fuzz-") as tmp:
        cases = build_corpus(Path(tmp))
        counts: dict[str, int] = {}
        by_kind: dict[str, dict[str, int]] = {}
        cwd = os.getcwd()
        for case in cases:
            if only and not any(o in case.name for o in only):
                continue
            os.chdir(tmp)
            outcome = run_subprocess(case) if use_subprocess else run_in_process(case)
            os.chdir(cwd)
            kind, why = classify(case, outcome)
            counts[kind] = counts.get(kind, 0) + 1
            by_kind.setdefault(case.kind, {}).setdefault(kind, 0)
            by_kind[case.kind][kind] += 1
            if kind != "ok":
                print(f"{kind:9} {case.name:28} {why}", flush=True)
            elif "--show" in argv:
                print(f"ok        {case.name:28} {outcome.stderr.strip()}", flush=True)
        print(f"\n{sum(counts.values())} cases: " + ", ".join(
            f"{k} {v}" for k, v in sorted(counts.items())))
        for input_kind, result in sorted(by_kind.items()):
            print(f"  {input_kind:18} " + ", ".join(f"{k} {v}" for k, v in sorted(result.items())))
    return 0


if __name__ == "__main__":
    # run as a script, tests/ is sys.path[0] and tests/pruning would shadow the pruning package
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
    sys.exit(_main(sys.argv[1:]))
