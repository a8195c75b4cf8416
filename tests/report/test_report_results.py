"""Checks of a results file: every problem at once, with its dotted path."""
import json

import pytest

from hwsim.errors import ConfigError
from hwsim.report import RESULTS_FORMAT, load_results


def test_saved_results_load_back(results, tmp_path):
    from hwsim.report.writers import write_json

    path = write_json(tmp_path / "results.json", results)
    assert load_results(path)["estimates"][0]["total"]["energy_pj"] == \
        results["estimates"][0]["total"]["energy_pj"]


def test_every_problem_is_reported_with_its_path(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "other", "estimates": [
        {"layers": [{"name": "fc1"}], "total": {"name": "total", "weight_count": 1,
                                                "weight_nnz": 1, "energy_pj": 1,
                                                "latency_cycles": 1}}]}))
    with pytest.raises(ConfigError) as err:
        load_results(path)
    paths = [p.path for p in err.value.problems]
    assert paths == ["format", "run", "estimates.0.layers.0"]
    assert RESULTS_FORMAT in str(err.value) and str(path) in str(err.value)
    assert "missing weight_count, weight_nnz, energy_pj, latency_cycles" in str(err.value)


def test_invalid_json_names_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format":\n')
    with pytest.raises(ConfigError) as err:
        load_results(path)
    assert err.value.problems[0].path.startswith("line 2")
