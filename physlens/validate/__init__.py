"""Checks that turn an interpretation into verdicts, and scores against ground truth.
Pure functions, each with a known-answer test."""

from physlens.validate.verdict import Verdict

__all__ = ["Verdict"]
