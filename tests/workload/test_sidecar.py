"""Large masks in a binary sidecar: written above the size threshold, read lazily, validated."""
import json
import re

import numpy as np
import pytest
import yaml

from hwsim.arch import load_arch
from hwsim.cost.network import estimate_network
from hwsim.errors import ConfigError
from hwsim.workload import LayerWorkload, Network, load_network, save_network
from hwsim.workload.masks import GeneratedMask, LazyMask
from hwsim.workload.sidecar import SIDECAR_MIN_WEIGHTS, SidecarMask, file_sha256

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def _two_four(rows: int, cols: int, seed: int = 0) -> np.ndarray:
    """A random 2:4 mask: in every group of 4 columns, 2 random positions kept."""
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((rows, cols // 4, 4)), axis=2)
    mask = np.zeros((rows, cols // 4, 4), dtype=bool)
    np.put_along_axis(mask, order[..., :2], True, axis=2)
    return mask.reshape(rows, cols)


def _network(big_rows: int = 1024, big_cols: int = 1024) -> Network:
    """A big layer (1024 x 1024 = 2**20 weights: the threshold, so it goes to the sidecar)
    and a small one (100 x 64 = 6,400 weights: stays inline)."""
    small = np.random.default_rng(1).random((100, 64)) < 0.3
    return Network("mlp", (
        LayerWorkload("big", "linear", big_cols, big_rows, weight_density=0.5,
                      weight_mask=_two_four(big_rows, big_cols)),
        LayerWorkload("small", "linear", 64, 100, weight_density=float(small.mean()),
                      weight_mask=small)), "test")


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_round_trip_puts_large_masks_in_the_sidecar(tmp_path, suffix):
    net = _network()
    path = save_network(net, tmp_path / f"net{suffix}")
    sidecar = tmp_path / "net.masks.npz"
    data = json.loads(path.read_text()) if suffix == ".json" else yaml.safe_load(path.read_text())
    assert data["mask_sidecar"] == {"path": "net.masks.npz", "sha256": file_sha256(sidecar)}
    big, small = data["layers"]
    assert big["weight_mask"] == {"shape": [1024, 1024], "sidecar_key": "big"}
    assert set(small["weight_mask"]) == {"shape", "packbits_base64"}
    assert sorted(np.load(sidecar).files) == ["big"]          # a plain numpy .npz
    back = load_network(path)
    assert back == net
    assert isinstance(back.layers[0].weight_mask, SidecarMask)
    assert isinstance(back.layers[1].weight_mask, np.ndarray)
    for got, want in zip(back.layers, net.layers):
        assert np.array_equal(np.asarray(got.weight_mask), want.weight_mask)
        assert got.weight_nnz == want.weight_nnz
        assert np.array_equal(got.rows_nnz(), want.rows_nnz())


def test_threshold_one_below_stays_inline(tmp_path):
    """1023 x 1025 = 1,048,575 = SIDECAR_MIN_WEIGHTS - 1 weights: inline base64, no sidecar."""
    assert 1023 * 1025 == SIDECAR_MIN_WEIGHTS - 1
    net = Network("n", (LayerWorkload("l", "linear", 1025, 1023,
                                      weight_mask=np.ones((1023, 1025), dtype=bool)),))
    path = save_network(net, tmp_path / "n.yaml")
    assert "packbits_base64" in path.read_text()
    assert not (tmp_path / "n.masks.npz").exists()


def test_masks_are_read_only_when_needed(tmp_path, monkeypatch):
    path = save_network(_network(), tmp_path / "net.yaml")
    reads = []
    original = SidecarMask.packed
    monkeypatch.setattr(SidecarMask, "packed", lambda self: reads.append(self.key)
                        or original(self))
    net = load_network(path)
    assert reads == []                                 # loading reads headers only
    assert net.layers[0].weight_nnz == 1024 * 512      # counted on the packed bits
    assert reads == ["big"]
    net.layers[0].matrix_mask()
    assert reads == ["big", "big"]                     # read again: nothing is kept


def test_estimate_from_the_sidecar_equals_the_in_memory_network(tmp_path):
    """The 2:4 layer runs compressed on the 2:4 tensor core either way, with equal costs."""
    net = _network()
    back = load_network(save_network(net, tmp_path / "net.yaml"))
    for arch in ("sparse_tensor_core", "systolic_ws"):
        accelerator = load_arch(ROOT / "arch_configs" / f"{arch}.yaml")
        want, got = estimate_network(net, accelerator), estimate_network(back, accelerator)
        assert [c.to_dict() for c in got.layers] == [c.to_dict() for c in want.layers]
    stc = estimate_network(back, load_arch(ROOT / "arch_configs" / "sparse_tensor_core.yaml"))
    assert not any("runs dense" in note for note in stc.layers[0].notes)


def test_generated_masks_stream_through_the_writer(tmp_path):
    """A GeneratedMask is made when the writer reaches its layer; the file holds its bits."""
    made = []
    mask = _two_four(1024, 1024, seed=3)
    lazy = GeneratedMask((1024, 1024), lambda: made.append(1) or mask)
    net = Network("g", (LayerWorkload("big", "linear", 1024, 1024, weight_mask=lazy),))
    assert made == []
    back = load_network(save_network(net, tmp_path / "g.yaml"))
    assert made == [1]
    assert np.array_equal(np.asarray(back.layers[0].weight_mask), mask)


def test_lazy_mask_numpy_calls():
    """[[1,0,1],[1,0,0]]: sum 3, per row [2, 1], per column [2, 0, 1]; a (3, 2) view reads
    the same bits row-major."""
    lazy = GeneratedMask((2, 3), lambda: np.array([[1, 0, 1], [1, 0, 0]], dtype=bool))
    assert isinstance(lazy, LazyMask) and lazy.shape == (2, 3) and lazy.size == 6
    assert lazy.sum() == 3 and lazy.sum(axis=1).tolist() == [2, 1]
    assert lazy.sum(axis=0).tolist() == [2, 0, 1]
    assert np.asarray(lazy, dtype=np.int64).tolist() == [[1, 0, 1], [1, 0, 0]]
    assert lazy.with_shape((3, 2)).load().astype(int).tolist() == [[1, 0], [1, 1], [0, 0]]


def test_pad_bits_do_not_count(tmp_path):
    """A sidecar array whose last byte has stray pad bits set: 3 weights, byte 0xff -> 3."""
    class Packed(LazyMask):
        shape = (3,)

        def packed(self):
            return np.array([0xFF], dtype=np.uint8)

    assert Packed().sum() == 3


# ---- validation ------------------------------------------------------------------------------
def _saved(tmp_path):
    path = save_network(_network(), tmp_path / "net.yaml")
    return path, yaml.safe_load(path.read_text())


def _one_problem(path, data):
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as err:
        load_network(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: ")
    return lines[0]


def test_missing_sidecar(tmp_path):
    path, data = _saved(tmp_path)
    (tmp_path / "net.masks.npz").unlink()
    line = _one_problem(path, data)
    assert re.search(r"mask_sidecar\.path must name an existing file .*Got 'net.masks.npz'",
                     line)


def test_wrong_hash(tmp_path):
    path, data = _saved(tmp_path)
    data["mask_sidecar"]["sha256"] = "0" * 64
    line = _one_problem(path, data)
    assert "mask_sidecar.sha256 must equal the SHA-256 of net.masks.npz" in line
    assert f"Got '{'0' * 64}' instead." in line


def test_sidecar_edited_after_writing(tmp_path):
    path, data = _saved(tmp_path)
    with open(tmp_path / "net.masks.npz", "ab") as handle:
        handle.write(b"x")
    assert "the sidecar changed since the file was written" in _one_problem(path, data)


def test_wrong_shape(tmp_path):
    path, data = _saved(tmp_path)
    data["layers"][0]["weight_mask"]["shape"] = [1024, 512]
    line = _one_problem(path, data)
    assert "layers.big.weight_mask.shape must match the 131,072 packed bytes of array 'big' " \
           "in net.masks.npz (ceil(weights / 8)). Got [1024, 512] instead." in line


@pytest.mark.parametrize("given, words", [
    ("../net.masks.npz", "must stay inside the workload file's folder"),
    ("/etc/passwd", "must be a path relative to the workload file's folder"),
])
def test_path_escaping_the_folder(tmp_path, given, words):
    inner = tmp_path / "inner"
    inner.mkdir()
    path, data = _saved(tmp_path)
    data["mask_sidecar"]["path"] = given
    line = _one_problem(inner / "net.yaml", data)
    assert f"mask_sidecar.path {words}" in line and repr(given) in line


def test_unknown_key_and_both_sources(tmp_path):
    path, data = _saved(tmp_path)
    data["layers"][0]["weight_mask"]["sidecar_key"] = "nope"
    assert "layers.big.weight_mask.sidecar_key must name an array of net.masks.npz (1 arrays: " \
           "big). Got 'nope' instead." in _one_problem(path, data)
    data["layers"][0]["weight_mask"]["packbits_base64"] = "AA=="
    assert "layers.big.weight_mask must have exactly one of packbits_base64" \
        in _one_problem(path, data)


def test_sidecar_key_without_a_sidecar(tmp_path):
    path, data = _saved(tmp_path)
    del data["mask_sidecar"]
    assert "layers.big.weight_mask.sidecar_key needs mask_sidecar" in _one_problem(path, data)


def test_sidecar_that_is_not_an_npz(tmp_path):
    path, data = _saved(tmp_path)
    fake = tmp_path / "net.masks.npz"
    fake.write_bytes(b"not a zip archive")
    data["mask_sidecar"]["sha256"] = file_sha256(fake)
    assert "mask_sidecar.path must be a numpy .npz archive of packed masks" \
        in _one_problem(path, data)


def test_resaving_elsewhere_copies_the_sidecar(tmp_path):
    """A loaded network saved to another folder gets its own sidecar with the same bits
    (copied array by array as packed bytes), and the first one may then go."""
    first = save_network(_network(), tmp_path / "a" / "net.yaml")
    second = save_network(load_network(first), tmp_path / "b" / "copy.json")
    assert (tmp_path / "b" / "copy.masks.npz").is_file()
    (tmp_path / "a" / "net.masks.npz").unlink()
    back = load_network(second)
    assert np.array_equal(np.asarray(back.layers[0].weight_mask), _network().layers[0].weight_mask)


def test_workload_export_command_writes_the_sidecar(tmp_path):
    from hwsim.cli import main
    source = save_network(_network(), tmp_path / "net.yaml")
    assert main(["workload", "export", str(source), "-o", str(tmp_path / "out" / "e.yaml")]) == 0
    data = yaml.safe_load((tmp_path / "out" / "e.yaml").read_text())
    assert data["mask_sidecar"]["path"] == "e.masks.npz"
    assert load_network(tmp_path / "out" / "e.yaml") == _network()


def test_n_m_check_on_packed_bits_equals_the_unpacked_check():
    """Row [1,1,0,0, 1,1,1,0]: byte 0b0111_0011 -> groups of 2 and 3 ones; at 2:4 one group
    of 2 violates, in 1 row. Random masks: the packed path (a lazy mask) gives the same
    NMCheck as the bool array for every m dividing 8 and every n."""
    from hwsim.formats.structured import check_n_m
    row = np.array([[1, 1, 0, 0, 1, 1, 1, 0]], dtype=bool)
    lazy = GeneratedMask((1, 8), lambda: row)
    assert lazy.packed().tolist() == [0b0111_0011]
    check = check_n_m(lazy, 2, 4)
    assert (check.groups, check.violating, check.rows_violating) == (2, 1, 1)
    rng = np.random.default_rng(0)
    for shape in ((16, 64), (5, 8), (3, 24)):
        for m in (1, 2, 4, 8):
            for n in range(1, m + 1):
                mask = rng.random(shape) < 0.6
                assert check_n_m(GeneratedMask(shape, lambda mask=mask: mask), n, m) \
                    == check_n_m(mask, n, m)


def test_sidecar_layers_pickle_for_process_sweeps(tmp_path):
    """A process-pool worker gets the layer with its lazy mask (shape, file, key, offset), not
    the bits; it reads them itself."""
    import pickle
    back = load_network(save_network(_network(), tmp_path / "net.yaml"))
    copy = pickle.loads(pickle.dumps(back.layers[0]))
    assert isinstance(copy.weight_mask, SidecarMask)
    assert len(pickle.dumps(back.layers[0])) < 2_000
    assert np.array_equal(np.asarray(copy.weight_mask), np.asarray(back.layers[0].weight_mask))
