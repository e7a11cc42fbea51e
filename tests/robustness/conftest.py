"""Robustness suite: fuzzing of the parsers and loaders, a bad-input matrix over every
CLI command that reads user data, determinism of every method, and CLI conventions.

Hypothesis runs under one fixed profile: derandomized (the same examples on every run,
so CI is reproducible), no example database, no deadline (the first unit parse loads
pint's registry), and a moderate number of examples so the suite stays fast.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "physlens-robustness",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture
def run_cli(capsys, tmp_path, monkeypatch):
    """Run ``physlens ARGV`` in-process; returns (exit code, stdout, stderr). The results
    store goes to a temporary PHYSLENS_HOME."""
    from physlens.cli import main

    monkeypatch.setenv("PHYSLENS_HOME", str(tmp_path / "home"))

    def run(argv: list[str]) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main([str(a) for a in argv])
            code = 0
        except SystemExit as exit_:
            code = 0 if exit_.code is None else exit_.code
        out, err = capsys.readouterr()
        return code, out, err

    return run
