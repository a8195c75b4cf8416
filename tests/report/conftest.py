"""Fixtures of the report tests (data in report_helpers.py)."""
import pytest

from report_helpers import make_results


@pytest.fixture(scope="session")
def results() -> dict:
    """A real results document (LeNet-300-100 han2015 on EIE vs dense on systolic_ws)."""
    return make_results()
