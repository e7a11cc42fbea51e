import numpy as np
import pytest

from physlens.validate.attribution import completeness_error, global_importance, ranking, ranks_first


def test_ranking_and_ranks_first():
    importance = {"mass": 3.0, "pt": 1.0, "eta": 2.0}
    assert ranking(importance) == ["mass", "eta", "pt"]
    verdict = ranks_first(importance, "mass", "shap")
    assert verdict.passed and verdict.score == 1.5
    assert ranks_first(importance, "pt", "shap").passed is False
    with pytest.raises(KeyError):
        ranks_first(importance, "width", "shap")


def test_completeness_error_known_answer():
    attributions = np.array([[1.0, 1.0], [2.0, 0.0]])
    outputs = np.array([2.0, 2.2])
    # sums 2 and 2; differences 2 and 2.2 -> mean |error| 0.1 / mean |difference| 2.1
    assert abs(completeness_error(attributions, outputs, 0.0) - 0.1 / 2.1) < 1e-12
    assert completeness_error(attributions, np.array([2.0, 2.0]), 0.0) == 0.0


def test_global_importance_is_mean_absolute():
    np.testing.assert_allclose(global_importance(np.array([[1.0, -2.0], [-3.0, 0.0]])), [2.0, 1.0])
