import numpy as np
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score
from sklearn.metrics import confusion_matrix as sk_confusion

from sccscore.metrics import cohen_kappa, concordance, confusion_matrix, distribution, open_concordance


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_match_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    true = rng.integers(0, 3, 200)
    predicted = np.where(rng.random(200) < 0.7, true, rng.integers(0, 3, 200))
    matrix = confusion_matrix(true, predicted)
    np.testing.assert_array_equal(matrix, sk_confusion(true, predicted, labels=[0, 1, 2]))
    assert concordance(matrix) == pytest.approx((true == predicted).mean(), abs=1e-12)
    assert cohen_kappa(matrix) == pytest.approx(cohen_kappa_score(true, predicted), abs=1e-12)
    assert open_concordance(matrix) == pytest.approx(accuracy_score(true > 0, predicted > 0), abs=1e-12)


def test_distribution_counts_absent_classes():
    assert distribution([0, 0, 0, 1]).tolist() == [0.75, 0.25, 0.0]
