"""Mask encoding: numpy packbits, little-endian bit order, base64."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hwsim.workload import decode_mask, encode_mask


def test_worked_example():
    """[[1,0,1],[1,0,0]] -> bits 1 0 1 1 0 0 (LSB first) -> 1 + 4 + 8 = 13 -> base64 'DQ=='."""
    mask = np.array([[1, 0, 1], [1, 0, 0]], dtype=bool)
    assert encode_mask(mask) == {"shape": [2, 3], "packbits_base64": "DQ=="}
    decoded, problems = decode_mask((2, 3), "DQ==")
    assert problems == [] and decoded.dtype == bool
    assert decoded.astype(int).tolist() == [[1, 0, 1], [1, 0, 0]]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=1, max_size=4), st.integers(0, 2**32 - 1))
def test_round_trip(shape, seed):
    mask = np.random.default_rng(seed).random(shape) < 0.3
    encoded = encode_mask(mask)
    decoded, problems = decode_mask(tuple(encoded["shape"]), encoded["packbits_base64"])
    assert problems == [] and np.array_equal(decoded, mask)


def test_bad_base64_and_wrong_length():
    _, problems = decode_mask((2, 3), "D!==", path="layers.fc1.weight_mask")
    assert [(p.path, p.value) for p in problems] == [("layers.fc1.weight_mask.packbits_base64",
                                                      "D!==")]
    _, problems = decode_mask((4, 4), "DQ==", path="m")   # 16 bits need 2 bytes, 'DQ==' is 1
    assert problems[0].path == "m.packbits_base64" and problems[0].value == "1 bytes"
    assert "ceil(16 / 8) = 2 bytes" in problems[0].requirement
