"""Exactness of recovered laws (SRBench rule) in cases simplify finds hard."""

from physlens.expr import parse_expression
from physlens.validate.symbolic import exact_match


def test_exact_match_accepts_roots_merged_differently():
    # sqrt((c + v)/(c - v)) is (1 + v/c)/sqrt(1 - v**2/c**2) for c > v (I.34.14)
    names = ["omega_0", "c", "v"]
    model = parse_expression("omega_0*sqrt((c + v)/(c - v))", names)
    truth = parse_expression("omega_0*(1 + v/c)/sqrt(1 - v**2/c**2)", names)
    assert exact_match(model, truth)
    assert not exact_match(parse_expression("omega_0*sqrt((c + 2*v)/(c - v))", names), truth)
