"""The outcome of one check of an interpretation against physics or truth."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """One check's outcome. ``passed`` is None when the check does not apply
    (for example dimensional consistency when no units were given). ``blocking`` False
    marks an informative check: reported, but its failure does not make found false."""

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
        """One table row (check, result, score, reason); the result cell's class is
        pass / fail / na for styling."""
        import html

        css = {True: "pass", False: "fail", None: "na"}[self.passed]
        score = "" if self.score is None else f"{self.score:.4g}"
        return (f"<tr><td>{html.escape(self.name)}</td><td class='{css}'>{self.mark}</td><td>{score}</td>"
                f"<td>{html.escape(self.reason)}</td></tr>")
