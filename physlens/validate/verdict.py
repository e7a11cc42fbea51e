"""The outcome of one check of an interpretation against physics or truth, and the one
rule every family uses to call a result found."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class Verdict:
    """One check's outcome. ``passed`` is None when the check does not apply
    (for example dimensional consistency when no units were given).

    ``score`` is the value checked against the threshold named in ``reason`` (None when
    the check compares no number, e.g. a pass by construction). ``blocking`` says whether
    the check decides ``found``; an informative check (blocking=False) says in its reason
    why it does not block.
    """

    name: str
    passed: bool | None
    score: float | None
    reason: str
    blocking: bool = True

    def to_dict(self) -> dict[str, Any]:
        score = None if self.score is None or not math.isfinite(self.score) else float(self.score)
        return {"name": self.name, "passed": self.passed, "score": score, "reason": self.reason, "blocking": self.blocking}

    @property
    def mark(self) -> str:
        return {True: "pass", False: "FAIL", None: "n/a"}[self.passed]

    def html_row(self) -> str:
        """One table row (check, result, score, blocks found?, reason); the result cell's
        class is pass / fail / na for styling."""
        import html

        css = {True: "pass", False: "fail", None: "na"}[self.passed]
        score = "" if self.score is None or not math.isfinite(self.score) else f"{self.score:.4g}"
        role = "blocking" if self.blocking else "informative"
        return (f"<tr class='{role}'><td>{html.escape(self.name)}</td><td class='{css}'>{self.mark}</td><td>{score}</td>"
                f"<td>{role}</td><td>{html.escape(self.reason)}</td></tr>")


def all_blocking_passed(verdicts: Iterable[Verdict]) -> bool:
    """The one rule for ``found``: no blocking verdict failed. A check that does not apply
    (passed None) blocks nothing; informative verdicts never block. Families add their
    own preconditions (something was fitted at all) with ``and``."""
    return not any(v.blocking and v.passed is False for v in verdicts)


def against_truth(verdicts: Iterable[Verdict]) -> list[Verdict]:
    """Scores against a simulation's ground truth, shown beside a method's own checks:
    informative, since the method never sees the truth and a user's data has none."""
    from dataclasses import replace

    return [replace(v, blocking=False, reason=f"{v.reason} (scored against the simulation's truth; informative)")
            for v in verdicts]
