"""The main job (``hwsim run``): train, prune, export, estimate and report in one command.

Entry points: :func:`load_run_config` (YAML or the embedded default ->
:class:`RunConfig`), :func:`run_main_job` (-> :class:`RunResult`, writes ``reports/<name>/``),
:func:`prepare_network` (the cached torch stage). Modules: ``config`` (schema and path
lookup), ``cache`` (the model cache), ``prune_stage`` (torch, imported lazily), ``job``.
"""
from hwsim.run.config import RunConfig, load_run_config, parse_run_config
from hwsim.run.job import RunResult, load_accelerators, results_document, run_main_job
from hwsim.run.prune_stage import PruneOutcome, prepare_network

__all__ = ["PruneOutcome", "RunConfig", "RunResult", "load_accelerators", "load_run_config",
           "parse_run_config", "prepare_network", "results_document", "run_main_job"]
