"""hwsim layers built from the peers' own input files, so both tools see the same shapes.

* SCALE-Sim topology CSV: ``name, IFMAP H, IFMAP W, Filter H, Filter W, Channels, Num Filter,
  Strides,`` with no padding (a padded layer is entered with its padded input size) and no
  groups. A 1x1 filter on a 1x1 input is an FC layer (hwsim ``linear``: same loop nest).
* ZigZag workload YAML: ``loop_dims [B, K, C, OY, OX, FY, FX]`` with strides in
  ``dimension_relations`` (``ix=4*ox+1*fx``) and ``padding [[top, bottom], [left, right]]``;
  ``Gemm`` layers ``[B, K, C]``. The input size is recovered from the output size:
  ``H = (OY - 1) * stride + FY - pad_top - pad_bottom``.

Example: SCALE-Sim's ``conv1, 227, 227, 11, 11, 3, 96, 4,`` -> ``LayerWorkload("conv1",
conv2d, in_channels=3, out_channels=96, 227 x 227, kernel 11, stride 4)`` with 55 x 55
outputs, and ZigZag's AlexNet conv2 (OY = OX = 27, FY = FX = 5, pad 2) -> 27 x 27 input.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from hwsim.types import LayerKind
from hwsim.workload import LayerWorkload


def scalesim_layers(csv_path: Path, names: list[str] | None = None) -> list[LayerWorkload]:
    """Layers of a SCALE-Sim topology CSV (optionally only ``names``), in file order."""
    layers = []
    for line in Path(csv_path).read_text().splitlines()[1:]:
        fields = [f.strip() for f in line.split(",") if f.strip()]
        if not fields or (names and fields[0] not in names):
            continue
        name = fields[0]
        h, w, r, s, c, k, stride = (int(v) for v in fields[1:8])
        if (h, w, r, s) == (1, 1, 1, 1):
            layers.append(LayerWorkload(name, LayerKind.LINEAR, c, k))
        else:
            layers.append(LayerWorkload(name, LayerKind.CONV2D, c, k, h, w, (r, s),
                                        (stride, stride)))
    return layers


def _strides(relations: list[str]) -> dict[str, int]:
    """{'ix': 4, 'iy': 4} from ``['ix=4*ox+1*fx', 'iy=4*oy+1*fy']`` (dilation must be 1)."""
    out = {}
    for rel in relations:
        match = re.fullmatch(r"\s*(i[xy])\s*=\s*(\d+)\*o[xy]\s*\+\s*1\*f[xy]\s*", rel)
        if match is None:
            raise ValueError(f"unsupported ZigZag dimension relation {rel!r}")
        out[match.group(1)] = int(match.group(2))
    return out


def zigzag_layer(entry: dict) -> LayerWorkload:
    """One ZigZag workload entry (Conv or Gemm, batch B) as a hwsim layer."""
    sizes = dict(zip(entry["loop_dims"], entry["loop_sizes"]))
    batch = sizes.get("B", 1)
    if entry["operator_type"] == "Gemm":
        return LayerWorkload(entry["name"], LayerKind.LINEAR, sizes["C"], sizes["K"],
                             batch=batch)
    strides = _strides(entry.get("dimension_relations", []))
    (pt, pb), (pl, pr) = entry.get("padding", [[0, 0], [0, 0]])
    if pt != pb or pl != pr:
        raise ValueError(f"{entry['name']}: asymmetric padding {entry['padding']}")
    sy, sx = strides.get("iy", 1), strides.get("ix", 1)
    h = (sizes["OY"] - 1) * sy + sizes["FY"] - 2 * pt
    w = (sizes["OX"] - 1) * sx + sizes["FX"] - 2 * pl
    layer = LayerWorkload(entry["name"], LayerKind.CONV2D, sizes["C"], sizes["K"], h, w,
                          (sizes["FY"], sizes["FX"]), (sy, sx), (pt, pl), batch=batch)
    if (layer.out_height, layer.out_width) != (sizes["OY"], sizes["OX"]):
        raise ValueError(f"{entry['name']}: rebuilt output {layer.out_height}x"
                         f"{layer.out_width} != ZigZag's {sizes['OY']}x{sizes['OX']}")
    return layer


def zigzag_layers(yaml_path: Path, names: list[str] | None = None) -> list[LayerWorkload]:
    """Layers of a ZigZag workload YAML (optionally only ``names``), in file order."""
    entries = yaml.safe_load(Path(yaml_path).read_text())
    return [zigzag_layer(e) for e in entries if not names or e["name"] in names]
