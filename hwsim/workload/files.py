"""Workload files (YAML or JSON, by extension): load, save, and the one resolver the CLI uses.

Load order: ``base`` built-in (or the listed layers' shapes) -> ``profile`` densities ->
per-layer values given in the file (densities, ``effective_macs``, ``row_nnz``, ``col_nnz``,
``weight_mask``) -> validation of every layer, all problems reported at once with the file,
the dotted path (``layers.conv2.kernel``, or ``layers[2]...`` when the layer has no usable
name) and the bad value. :func:`save_network` writes every layer in full, so
``load_network(save_network(net, p))`` gives back ``net`` exactly, masks included: masks of
at least :data:`~hwsim.workload.sidecar.SIDECAR_MIN_WEIGHTS` weights go into a binary sidecar
beside the file (``net.masks.npz``, :mod:`hwsim.workload.sidecar`) and are read back lazily,
one layer at a time; smaller ones stay inline in base64.

Reading refuses, each with the file, the dotted key and the value: bytes that are not UTF-8,
duplicate keys (YAML and JSON), booleans or strings where integers are meant, ``inf``/``nan``,
sizes beyond :mod:`hwsim.workload.schema`'s limits (checked before any allocation), bad
base64 and masks whose bit count does not match their shape.

Example::

    net = resolve_network("alexnet", profile="han2015")   # built-in name or file path
    save_network(net, "alexnet_han.yaml")
    assert load_network("alexnet_han.yaml") == net
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from hwsim.fileio import write_text_atomic
from hwsim.errors import ConfigError, Problem
from hwsim.workload.builtin import builtin_network
from hwsim.workload.file_text import parse_workload_text
from hwsim.workload.layer import LayerWorkload, Network
from hwsim.workload.masks import decode_mask, encode_mask
from hwsim.workload.sidecar import OpenSidecar, SidecarWriter, open_sidecar, sidecar_path_for, \
    wants_sidecar
from hwsim.workload.profiles import LayerDensities, apply_profile, list_profiles, \
    profile_densities, profile_networks
from hwsim.workload.schema import OVERRIDE_FIELDS, LayerOverride, LayerSpec, NetworkSpec, \
    size_problems, validation_problems

WORKLOAD_SUFFIXES = (".yaml", ".yml", ".json")
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


# ---- public entry points -------------------------------------------------------------------
def resolve_network(name_or_path: str | os.PathLike, profile: str | None = None,
                    batch: int | None = None) -> Network:
    """A built-in network (by name or alias) or a workload file, then ``profile`` and ``batch``.

    A string ending in .yaml/.yml/.json, an existing path or a ``PathLike`` is read as a file
    (``.onnx``: imported with :func:`hwsim.workload.onnx_import.import_onnx`); anything else
    must be a built-in name (a :class:`ConfigError` lists them). ``profile``
    replaces the densities (dropping exact data); ``batch`` rescales every layer.
    Example: ``resolve_network("lenet-300-100", batch=4).layers[0].macs_dense == 4 * 235_200``.
    """
    if str(name_or_path).lower().endswith(".onnx"):
        from hwsim.workload.onnx_import import import_onnx
        network = import_onnx(name_or_path).network
    elif _is_file_reference(name_or_path):
        network = load_network(name_or_path)
    else:
        network = _builtin_or_file_error(str(name_or_path))
    if profile is not None:
        network = apply_profile(network, profile)
    if batch is not None:
        if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
            raise ConfigError([Problem("batch", "must be an integer >= 1", batch)])
        network = Network(network.name, tuple(layer.with_batch(batch)
                                              for layer in network.layers), network.profile)
    return network


def load_network(path: str | os.PathLike) -> Network:
    """Read a workload file (.yaml, .yml or .json); see :func:`parse_network`."""
    path = Path(path)
    return parse_network(_read(path), source=str(path), folder=path.parent)


def parse_network(data: Any, source: str | None = None,
                  folder: str | os.PathLike | None = None) -> Network:
    """Validate the contents of a workload file; every problem at once as a ConfigError.

    ``folder`` is where a ``mask_sidecar`` path starts (default: the folder of ``source``,
    else the working directory). Example: ``parse_network({"base": "lenet300", "layers":
    [{"name": "fc1", "weight_density": 0.5}]}).layers[0].weight_nnz == 117_600``.
    """
    if not isinstance(data, dict):
        raise ConfigError([Problem("", "must be a mapping with keys "
                                   + ", ".join(NetworkSpec.model_fields), type(data).__name__,
                                   source)])
    spec, problems = _validate(NetworkSpec, data, "", source)
    top = spec if spec is not None else _salvage(data)
    base = None
    if top.base is not None:
        base, more = _attempt(lambda: builtin_network(top.base, top.batch), "base", source)
        problems += more
    name = top.name or (base.name if base else None)
    if name is None and top.base is None:
        problems.append(Problem("name", "must be given when there is no base", None, source))
    densities = None
    if top.profile is not None and name is not None:
        densities, more = _profile_densities(top.profile, base.name if base else name, source)
        problems += more
    sidecar = None
    if top.mask_sidecar is not None:
        start = Path(folder) if folder is not None else Path(source or ".").parent
        sidecar, more = open_sidecar(top.mask_sidecar.path, top.mask_sidecar.sha256, start,
                                     source)
        problems += more
        sidecar = sidecar or False        # declared but unusable: reported once, above
    raw = data.get("layers") if isinstance(data.get("layers"), list) else []
    layers, more = _build_layers(raw, base, densities, top.batch, source, sidecar)
    problems += more
    if problems:
        raise ConfigError(problems)
    return Network(name, layers, top.profile or top.sparsity_source)


def _salvage(data: dict) -> NetworkSpec:
    """The top-level keys that are valid on their own (to go on checking the layers)."""
    valid = {}
    for key in NetworkSpec.model_fields:
        if key in data and key != "layers":
            spec, problems = _validate(NetworkSpec, {key: data[key]}, "", None)
            if not problems:
                valid[key] = getattr(spec, key)
    return NetworkSpec(**valid)


def network_to_dict(network: Network, sidecar: SidecarWriter | None = None) -> dict:
    """The workload-file form of ``network``: every layer in full, masks packed (see masks).

    With a ``sidecar`` writer, masks of at least SIDECAR_MIN_WEIGHTS weights are streamed into
    it one layer at a time (the caller closes it and adds ``mask_sidecar``); else all inline.
    """
    batches = {layer.batch for layer in network.layers}
    if len(batches) > 1:
        raise ConfigError([Problem(f"{network.name}.layers", "must all have the same batch",
                                   sorted(batches))])
    data: dict[str, Any] = {"name": network.name}
    if network.profile in list_profiles():
        data["profile"] = network.profile
    elif network.profile is not None:
        data["sparsity_source"] = network.profile
    data["batch"] = batches.pop() if batches else 1
    data["layers"] = [_layer_to_dict(layer, sidecar) for layer in network.layers]
    return data


def save_network(network: Network, path: str | os.PathLike) -> Path:
    """Write ``network`` to ``path`` (.yaml/.yml/.json) atomically (temp file + os.replace).

    Returns the path written. Round trip: ``load_network(save_network(net, p))`` equals ``net``
    field by field, including masks and per-row / per-column nnz.
    """
    path = Path(path)
    suffix = _check_suffix(path)
    if any(wants_sidecar(layer.weight_mask) for layer in network.layers):
        side = sidecar_path_for(path)
        with SidecarWriter(side) as writer:
            data = network_to_dict(network, writer)
        layers = data.pop("layers")
        data["mask_sidecar"] = {"path": side.name, "sha256": writer.sha256}
        data["layers"] = layers
    else:
        data = network_to_dict(network)
    if suffix == ".json":
        text = json.dumps(data, indent=1)
    else:
        text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=None,
                         width=100)
    write_text_atomic(path, text)
    return path


# ---- reading and writing -------------------------------------------------------------------
def _is_file_reference(name_or_path: str | os.PathLike) -> bool:
    if not isinstance(name_or_path, str):
        return True
    return name_or_path.lower().endswith(WORKLOAD_SUFFIXES) or os.path.isfile(name_or_path)


def _builtin_or_file_error(name: str) -> Network:
    try:
        return builtin_network(name)
    except ConfigError as exc:
        raise ConfigError([dataclasses.replace(
            p, requirement=p.requirement + " or a workload file path (.yaml, .yml, .json)")
            for p in exc.problems]) from None


def _check_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in WORKLOAD_SUFFIXES:
        raise ConfigError([Problem("file", "must end in .yaml, .yml or .json", str(path))])
    return suffix


def _read(path: Path) -> Any:
    """The parsed file (:func:`hwsim.workload.file_text.parse_workload_text`)."""
    is_json = _check_suffix(path) == ".json"
    return parse_workload_text(path.read_bytes(), str(path), json=is_json)


def _layer_to_dict(layer: LayerWorkload, sidecar: SidecarWriter | None = None) -> dict:
    data: dict[str, Any] = {"name": layer.name, "kind": str(layer.kind)}
    for key in ("in_channels", "out_channels", "in_height", "in_width", "groups"):
        data[key] = int(getattr(layer, key))
    for key in ("kernel", "stride", "padding", "dilation"):
        data[key] = [int(v) for v in getattr(layer, key)]
    for key in ("weight_density", "input_density", "output_density"):
        data[key] = float(getattr(layer, key))
    if layer.effective_macs is not None:
        data["effective_macs"] = int(layer.effective_macs)
    for key in ("row_nnz", "col_nnz"):
        if getattr(layer, key) is not None:
            data[key] = [int(v) for v in getattr(layer, key)]
    if sidecar is not None and wants_sidecar(layer.weight_mask):
        sidecar.add(layer.name, layer.weight_mask)
        data["weight_mask"] = {"shape": [int(v) for v in layer.weight_mask.shape],
                               "sidecar_key": layer.name}
    elif layer.weight_mask is not None:
        data["weight_mask"] = encode_mask(layer.weight_mask)
    for key in ("original_in_channels", "original_out_channels"):
        if getattr(layer, key) is not None:
            data[key] = int(getattr(layer, key))
    if layer.vector_op is not None:
        data["vector_op"] = str(layer.vector_op)
        data["ops_per_element"] = float(layer.ops_per_element)
    if layer.kv_cache:
        data["kv_cache"] = True
        if layer.kv_bits is not None:
            data["kv_bits"] = int(layer.kv_bits)
    if layer.activation is not None:
        data["activation"] = str(layer.activation)
    if layer.producer is not None:
        data["producer"] = layer.producer
    return data


# ---- validation and construction -----------------------------------------------------------
def _validate(model: type[BaseModel], data: Any, prefix: str, source: str | None):
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, validation_problems(exc, model, prefix, source)


def _attempt(make, path: str, source: str | None):
    """``(make(), [])`` or ``(None, problems)`` with each problem moved under ``path``."""
    try:
        return make(), []
    except ConfigError as exc:
        return None, [Problem(path, p.requirement, p.value, source) for p in exc.problems]


def _profile_densities(profile: str, network: str, source: str | None):
    try:
        return profile_densities(profile, network), []
    except ConfigError:
        if profile not in list_profiles():
            return None, [Problem("profile", f"must be one of {', '.join(list_profiles())}",
                                  profile, source)]
        return None, [Problem("profile", f"must be a profile with data for network {network!r}"
                              f" ({profile} covers {', '.join(profile_networks(profile))})",
                              profile, source)]


def _build_layers(raw: list, base: Network | None, densities: dict | None, batch: int,
                  source: str | None, sidecar: OpenSidecar | None = None):
    model = LayerOverride if base is not None else LayerSpec
    entries, problems = _validate_entries(raw, model, source)
    if base is not None:
        starts = {layer.name: _fields(layer) for layer in base.layers}
        problems += [Problem(f"{prefix}.name", f"must be a layer of base {base.name} "
                             f"({', '.join(starts)})", entry.name, source)
                     for prefix, entry in entries.values() if entry.name not in starts]
    else:
        starts = {name: {**entry.model_dump(exclude=set(OVERRIDE_FIELDS)), "batch": batch}
                  for name, (_, entry) in entries.items()}
    if densities is not None:
        problems += _coverage_problems(densities, starts, source)
    layers = []
    for name, start in starts.items():
        prefix, entry = entries.get(name, (f"layers.{name}", None))
        layer, more = _make_layer(start, densities, entry, prefix, source, sidecar)
        problems += more
        if layer is not None:
            layers.append(layer)
    return tuple(layers), problems + _producer_problems(layers, entries, source)


def _producer_problems(layers: list, entries: dict, source: str | None) -> list[Problem]:
    """A layer's ``producer`` names a layer before it (else its activation would silently
    stop being fused): ``layers.fc1.relu.producer must name an earlier layer (just before it:
    fc1). Got 'fc9' instead.``"""
    problems, earlier = [], []
    for layer in layers:
        if layer.producer is not None and layer.producer not in earlier:
            prefix = entries.get(layer.name, (f"layers.{layer.name}",))[0]
            problems.append(Problem(f"{prefix}.producer", "must name an earlier layer (just "
                                    "before it: "
                                    + (", ".join(earlier[-3:]) or "none") + ")",
                                    layer.producer, source))
        earlier.append(layer.name)
    return problems


def _validate_entries(raw: list, model: type[BaseModel], source: str | None):
    """Validated entries by layer name (``name -> (path prefix, entry)``) and the problems."""
    names = [item.get("name") if isinstance(item, dict) else None for item in raw]
    entries: dict[str, tuple[str, BaseModel]] = {}
    problems: list[Problem] = []
    for index, item in enumerate(raw):
        name = names[index]
        usable = isinstance(name, str) and name and names.count(name) == 1
        prefix = f"layers.{name}" if usable else f"layers[{index}]"
        if isinstance(name, str) and names.index(name) != index:
            problems.append(Problem(f"{prefix}.name", "must be unique", name, source))
            continue
        entry, more = _validate(model, item, prefix, source)
        problems += more
        if entry is not None:
            entries[entry.name] = (prefix, entry)
    return entries, problems


def _coverage_problems(densities: dict, starts: dict, source: str | None) -> list[Problem]:
    missing = [Problem("layers", f"must include layer {name!r} of the profile",
                       ", ".join(starts), source) for name in densities if name not in starts]
    return missing + [Problem(f"layers.{name}.name", "must be a layer the profile has data "
                              f"for ({', '.join(densities)})", name, source)
                      for name in starts if name not in densities]


def _make_layer(start: dict, densities: dict | None, entry: BaseModel | None, prefix: str,
                source: str | None, sidecar: OpenSidecar | None = None):
    kwargs = dict(start)
    too_big = size_problems(kwargs, prefix, source)
    if too_big:
        return None, too_big
    profile: LayerDensities | None = (densities or {}).get(kwargs["name"])
    if profile is not None:
        kwargs.update(weight_density=profile.weight, input_density=profile.inputs,
                      output_density=profile.outputs, weight_mask=None, row_nnz=None,
                      col_nnz=None, effective_macs=None)
    problems: list[Problem] = []
    for key in sorted(entry.model_fields_set & set(OVERRIDE_FIELDS)) if entry else ():
        value = getattr(entry, key)
        if key == "weight_mask" and value is not None:
            value, more = _mask(value, f"{prefix}.weight_mask", source, sidecar)
            problems += more
        kwargs[key] = value
    try:
        layer = LayerWorkload(**kwargs)
    except ConfigError as exc:
        name = kwargs["name"]
        return None, problems + [dataclasses.replace(p, path=_rebase(p.path, name, prefix),
                                                     file=source) for p in exc.problems]
    return layer, problems + _exact_data_problems(layer, prefix, source)


def _mask(spec, path: str, source: str | None, sidecar: OpenSidecar | None | bool):
    """The mask of ``spec``: decoded from base64, or a lazy view into the sidecar."""
    given = [key for key in ("packbits_base64", "sidecar_key") if getattr(spec, key)]
    if len(given) != 1:
        return None, [Problem(path, "must have exactly one of packbits_base64 (inline) and "
                              "sidecar_key (an array of mask_sidecar)",
                              " and ".join(given) or "neither", source)]
    if spec.packbits_base64 is not None:
        return decode_mask(spec.shape, spec.packbits_base64, path, source)
    if sidecar is False:                  # the file's mask_sidecar is already reported
        return None, []
    if sidecar is None:
        return None, [Problem(f"{path}.sidecar_key", "needs mask_sidecar: {path, sha256} at "
                              "the top of the file", spec.sidecar_key, source)]
    return sidecar.mask(spec.sidecar_key, spec.shape, path, source)


def _rebase(path: str, name: str, prefix: str) -> str:
    return prefix + path[len(name):] if path.startswith(name + ".") else f"{prefix}.{path}"


def _fields(layer: LayerWorkload) -> dict:
    return {f.name: getattr(layer, f.name) for f in dataclasses.fields(layer)}


def _exact_data_problems(layer: LayerWorkload, prefix: str, source: str | None) -> list:
    """Lengths, ranges and mutual consistency of row_nnz, col_nnz, mask and effective_macs."""
    rows, cols = layer.matrix_shape
    problems = []
    for key, length, top, what in (("row_nnz", rows, cols, "output channel"),
                                   ("col_nnz", cols, rows, "matrix-view column")):
        given = getattr(layer, key)
        if given is None:
            continue
        if len(given) != length:
            problems.append(Problem(f"{prefix}.{key}", f"must have {length} entries (one per "
                                    f"{what})", f"{len(given)} entries", source))
        elif len(given) and (given.min() < 0 or given.max() > top):
            bad = int(given[(given < 0) | (given > top)][0])
            problems.append(Problem(f"{prefix}.{key}", f"must hold values in [0, {top}]", bad,
                                    source))
        elif layer.weight_mask is not None:
            from_mask = layer.matrix_mask().sum(axis=1 if key == "row_nnz" else 0)
            if (from_mask != given).any():
                index = int((from_mask != given).argmax())
                problems.append(Problem(f"{prefix}.{key}[{index}]", "must equal the "
                                        f"weight_mask's count ({int(from_mask[index])})",
                                        int(given[index]), source))
    if (layer.row_nnz is not None and layer.col_nnz is not None and not problems
            and layer.row_nnz.sum() != layer.col_nnz.sum()):
        problems.append(Problem(f"{prefix}.col_nnz", f"must sum to sum(row_nnz) = "
                                f"{int(layer.row_nnz.sum())}", int(layer.col_nnz.sum()), source))
    if layer.effective_macs is not None and layer.effective_macs > layer.macs_dense:
        problems.append(Problem(f"{prefix}.effective_macs", f"must be <= macs_dense = "
                                f"{layer.macs_dense}", layer.effective_macs, source))
    return problems
