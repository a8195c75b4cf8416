"""A minimal valid accelerator as a dict, and a helper that returns the messages of a variant."""
import copy
from pathlib import Path

import pytest
import yaml

from hwsim.config import parse_arch_config
from hwsim.errors import ConfigError

BASE = yaml.safe_load((Path(__file__).parents[1] / "data" / "tiny_arch.yaml")
                      .read_text(encoding="utf-8"))


@pytest.fixture
def base():
    """A fresh deep copy of BASE to mutate."""
    return copy.deepcopy(BASE)


def config_messages(data, source="t.yaml"):
    """The rendered problems of ``data`` (an empty list when it is valid)."""
    try:
        parse_arch_config(data, source)
    except ConfigError as exc:
        return [str(p) for p in exc.problems]
    return []


@pytest.fixture
def messages():
    """``messages(data, source="t.yaml")`` -> the rendered problems of ``data``."""
    return config_messages
