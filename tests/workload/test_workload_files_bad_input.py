"""Malformed workload files (issue 14 part 4): one class per test, each refused with a one-line
message naming the file, the dotted key and the value; never a traceback, never accepted."""
import json

import pytest

from hwsim.errors import ConfigError
from hwsim.workload import load_network

LINEAR = "{name: fc, kind: linear, in_channels: 4, out_channels: 4"


def _message(tmp_path, name: str, content) -> str:
    """The single line of the ConfigError ``load_network`` raises for the file."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ConfigError) as err:
        load_network(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: ")
    return lines[0].removeprefix(f"{path}: ")


def _yaml(layer_extra: str = "", top: str = "") -> str:
    return f"name: n\n{top}layers:\n  - {LINEAR}{layer_extra}}}\n"


# ---- duplicate keys --------------------------------------------------------------------------
def test_duplicate_top_level_key_yaml(tmp_path):
    text = "name: n\nname: m\nlayers:\n  - " + LINEAR + "}\n"
    line = _message(tmp_path, "w.yaml", text)
    assert line.startswith("name must appear only once") and "Got 'name' instead." in line


def test_duplicate_layer_key_yaml(tmp_path):
    text = ("name: n\nlayers:\n  - name: fc\n    kind: linear\n    in_channels: 4\n"
            "    in_channels: 5\n    out_channels: 4\n")
    line = _message(tmp_path, "w.yaml", text)
    assert line.startswith("layers.0.in_channels must appear only once")
    assert "Got 'in_channels' instead." in line


def test_duplicate_key_json(tmp_path):
    text = ('{"name": "n", "layers": [{"name": "fc", "kind": "linear", "in_channels": 4, '
            '"in_channels": 5, "out_channels": 4}]}')
    assert _message(tmp_path, "w.json", text) == ("layers.fc.in_channels must appear only "
                                                  "once in its object. Got 'in_channels' "
                                                  "instead.")


# ---- not text --------------------------------------------------------------------------------
@pytest.mark.parametrize("name, content, value", [
    ("latin1.yaml", "name: caf\xe9\n".encode("latin-1"), "byte 0xe9 at offset 9"),
    ("image.json", b"\x89PNG\r\n\x1a\n\x00\x00", "byte 0x89 at offset 0"),
    ("every_byte.yaml", bytes(range(256)), "byte 0x80 at offset 128"),
])
def test_non_utf8_and_binary(tmp_path, name, content, value):
    assert _message(tmp_path, name, content) == ("<root> must be UTF-8 text (a YAML or JSON "
                                                 f"workload file). Got {value!r} instead.")


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_control_characters(tmp_path, suffix):
    line = _message(tmp_path, "w" + suffix, b'{"name": "n\x00"}')
    assert line == ("<root> must be text without control characters (a YAML or JSON workload "
                    "file). Got 'character 0x00 at offset 11' instead.")


def test_deeply_nested_json(tmp_path):
    line = _message(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    assert line.startswith("<root> must be valid JSON nested less deeply")


# ---- absurd sizes, refused before anything is allocated --------------------------------------
def test_1e30_channels(tmp_path):
    """YAML reads 1e30 as a string, JSON as a float, and a 31-digit literal as an int: each
    is refused, the int by the size check."""
    assert _message(tmp_path, "a.yaml", _yaml().replace("in_channels: 4", "in_channels: 1e30")
                    ) == "layers.fc.in_channels must be an integer. Got '1e30' instead."
    data = {"name": "n", "layers": [{"name": "fc", "kind": "linear", "in_channels": 1e30,
                                     "out_channels": 4}]}
    assert _message(tmp_path, "a.json", json.dumps(data)) == \
        "layers.fc.in_channels must be an integer. Got 1e+30 instead."
    line = _message(tmp_path, "b.yaml", _yaml().replace("in_channels: 4",
                                                        f"in_channels: {10**30}"))
    assert line == f"layers.fc.in_channels must be <= 67,108,864. Got {10**30} instead."


def test_1e16_weight_layer(tmp_path):
    """10^7 x 10^7 channels x a 10 x 10 kernel = 10^16 weights (20 PB of 16-bit weights)."""
    text = ("name: n\nlayers:\n  - {name: conv, kind: conv2d, in_channels: 10000000, "
            "out_channels: 10000000, kernel: 10, in_height: 10, in_width: 10}\n")
    line = _message(tmp_path, "w.yaml", text)       # a ConfigError, not a MemoryError
    assert line == ("layers.conv must hold <= 17,179,869,184 weights (2**34: out_channels x "
                    "in_channels / groups x kernel). Got '1e+16 weights' instead.")


def test_absurd_mask_shape_is_checked_before_decoding(tmp_path):
    """A 10^8 x 10^8 mask would unpack to 10 PB: its 4-character base64 is refused first."""
    mask = ", weight_mask: {shape: [100000000, 100000000], packbits_base64: 'DQ=='}"
    line = _message(tmp_path, "w.yaml", _yaml(mask))
    assert line.startswith("layers.fc.weight_mask.packbits_base64 must decode to "
                           "ceil(10000000000000000 / 8) = 1250000000000000 bytes")
    assert line.endswith("Got '1 bytes' instead.")


@pytest.mark.parametrize("key, value", [("batch", 10**9), ("in_height", 10**9)])
def test_absurd_spatial_sizes(tmp_path, key, value):
    if key == "batch":
        line = _message(tmp_path, "w.yaml", _yaml(top=f"batch: {value}\n"))
        assert line == f"batch must be <= 16777216. Got {value} instead."
    else:
        line = _message(tmp_path, "w.yaml", _yaml(f", {key}: {value}"))
        assert line == f"layers.fc.{key} must be <= 16,777,216. Got {value} instead."


# ---- inf, nan, booleans and strings where numbers are meant ----------------------------------
@pytest.mark.parametrize("name, text, expected", [
    ("i.yaml", _yaml().replace("in_channels: 4", "in_channels: .inf"),
     "layers.fc.in_channels must be an integer. Got inf instead."),
    ("n.yaml", _yaml(", weight_density: .nan"),
     "layers.fc.weight_density must be a finite number. Got nan instead."),
    ("n.json", '{"name": "n", "layers": [{"name": "fc", "kind": "linear", "in_channels": 4, '
               '"out_channels": 4, "input_density": NaN}]}',
     "layers.fc.input_density must be a finite number. Got nan instead."),
    ("o.json", '{"name": "n", "layers": [{"name": "v", "kind": "vector", "vector_op": '
               '"elementwise", "in_channels": 4, "out_channels": 4, "ops_per_element": '
               'Infinity}]}',
     "layers.v.ops_per_element must be a finite number. Got inf instead."),
])
def test_inf_and_nan(tmp_path, name, text, expected):
    assert _message(tmp_path, name, text) == expected


@pytest.mark.parametrize("extra, expected", [
    (", groups: true", "layers.fc.groups must be an integer. Got True instead."),
    (", kernel: [true, 1]", "layers.fc.kernel[0] must be an integer. Got True instead."),
    (", weight_density: false", "layers.fc.weight_density must be a number. Got False instead."),
    (", effective_macs: '12'", "layers.fc.effective_macs must be an integer. Got '12' instead."),
    (", row_nnz: [1, true, 1, 1]", "layers.fc.row_nnz[1] must be an integer. Got True instead."),
])
def test_booleans_and_strings_where_numbers_are_meant(tmp_path, extra, expected):
    assert _message(tmp_path, "w.yaml", _yaml(extra)) == expected


def test_boolean_batch(tmp_path):
    assert _message(tmp_path, "w.yaml", _yaml(top="batch: true\n")) == \
        "batch must be an integer. Got True instead."


# ---- masks -----------------------------------------------------------------------------------
def test_malformed_base64(tmp_path):
    mask = ", weight_mask: {shape: [4, 4], packbits_base64: 'D!=='}"
    assert _message(tmp_path, "w.yaml", _yaml(mask)) == \
        "layers.fc.weight_mask.packbits_base64 must be valid base64. Got 'D!==' instead."


def test_long_malformed_base64_is_cut_in_the_message(tmp_path):
    mask = ", weight_mask: {shape: [4, 4], packbits_base64: '" + "!" * 10_000 + "'}"
    line = _message(tmp_path, "w.yaml", _yaml(mask))
    assert line == ("layers.fc.weight_mask.packbits_base64 must be valid base64. Got "
                    f"'{'!' * 24}...' instead.")


def test_bit_count_does_not_match_the_shape(tmp_path):
    """A 4 x 4 mask is 16 bits = 2 bytes; 'DQ==' decodes to 1."""
    mask = ", weight_mask: {shape: [4, 4], packbits_base64: 'DQ=='}"
    assert _message(tmp_path, "w.yaml", _yaml(mask)) == (
        "layers.fc.weight_mask.packbits_base64 must decode to ceil(16 / 8) = 2 bytes for "
        "shape [4, 4]. Got '1 bytes' instead.")


def test_mask_of_the_wrong_shape_for_the_layer(tmp_path):
    """The bits match the mask's own shape (2 x 3 = 6 bits, 1 byte) but not the 4 x 4 layer."""
    mask = ", weight_mask: {shape: [2, 3], packbits_base64: 'DQ=='}"
    assert _message(tmp_path, "w.yaml", _yaml(mask)) == \
        "layers.fc.weight_mask must have shape (4, 4). Got (2, 3) instead."


def test_counts_beyond_int64(tmp_path):
    """row_nnz and effective_macs go into int64 arrays: 10^30 is refused, not overflowed."""
    assert _message(tmp_path, "r.yaml", _yaml(f", row_nnz: [{10**30}, 1, 1, 1]")) == \
        f"layers.fc.row_nnz[0] must be <= 4611686018427387904. Got {10**30} instead."
    assert _message(tmp_path, "e.yaml", _yaml(f", effective_macs: {10**30}")) == \
        f"layers.fc.effective_macs must be <= 4611686018427387904. Got {10**30} instead."


def test_mask_without_bits(tmp_path):
    assert _message(tmp_path, "w.yaml", _yaml(", weight_mask: {shape: [4, 4]}")) == (
        "layers.fc.weight_mask must have exactly one of packbits_base64 (inline) and "
        "sidecar_key (an array of mask_sidecar). Got 'neither' instead.")


@pytest.mark.parametrize("text, expected", [
    ("", "<root> must be a mapping with keys name, base, profile, sparsity_source, batch, "
         "mask_sidecar, layers. Got 'NoneType' instead."),
    ("name: n\nlayers: abc\n", "layers must be a list. Got 'abc' instead."),
    ("name: n\nlayers: [abc]\n", "layers[0] must be a mapping. Got 'abc' instead."),
    ("name: n\nlayers:\n  - {name: fc, in_channels: 4, out_channels: 4}\n",
     "layers.fc.kind must be given. Got nothing instead."),
])
def test_missing_or_misshapen_sections(tmp_path, text, expected):
    assert _message(tmp_path, "w.yaml", text) == expected


def test_yaml_alias_bomb(tmp_path):
    """9 aliases of 9 aliases ... (9^7 = 4.8 M values from a 500-byte file) is refused by
    hwsim.config.yaml_io before the layers are expanded."""
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 7)]
    line = _message(tmp_path, "bomb.yaml", "\n".join(lines) + "\nname: n\nlayers: *a6\n")
    assert "must expand to at most" in line


# ---- cross-layer references ------------------------------------------------------------------
@pytest.mark.parametrize("producer", ["fc9", "act"])
def test_producer_must_name_an_earlier_layer(tmp_path, producer):
    """A misspelt (or later, or self) producer would silently stop the activation being fused
    into its producer's output path; it is refused with the layers it could name."""
    text = ("name: n\nlayers:\n  - " + LINEAR + "}\n"
            "  - {name: act, kind: vector, in_channels: 4, out_channels: 4, "
            f"vector_op: activation, activation: relu, producer: {producer}}}\n")
    line = _message(tmp_path, "w.yaml", text)
    assert line == (f"layers.act.producer must name an earlier layer (just before it: fc). "
                    f"Got '{producer}' instead.")
