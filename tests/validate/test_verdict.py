"""Verdicts: blocking or informative, and the one rule for found."""

from physlens.validate.verdict import Verdict, against_truth, all_blocking_passed


def test_found_needs_every_blocking_verdict_and_ignores_informative_ones():
    passed = Verdict("held-out fit", True, 0.99, "R2 0.99 (needs >= 0.9)")
    failed = Verdict("null test", False, 0.1, "shuffled target reaches as far")
    informative = Verdict("symmetry", False, 0.3, "informative: the data sample one regime only", blocking=False)
    not_applicable = Verdict("dimensional consistency", None, None, "no units given")
    assert all_blocking_passed([passed, informative, not_applicable])
    assert not all_blocking_passed([passed, failed])
    assert all_blocking_passed([])


def test_truth_scores_are_informative_and_marked_in_every_output():
    truth = against_truth([Verdict("exact recovery", False, None, "differs from the truth")])[0]
    assert truth.blocking is False and "truth" in truth.reason
    assert truth.to_dict()["blocking"] is False
    row = truth.html_row()
    assert "<tr class='informative'>" in row and "<td>informative</td>" in row
    # a pass with no number checked shows no score
    assert "<td></td>" in Verdict("dimensional consistency", True, None, "passes by construction").html_row()
