"""The gradient checker itself: numerical_gradient on functions whose derivative is known, and rel_error."""
import numpy as np
import pytest

from rnncourse.gradcheck import numerical_gradient, rel_error


@pytest.mark.parametrize("shape", [(1,), (5,), (3, 4), (2, 3, 2)])
def test_gradient_of_sum_of_sin_is_cos(shape):
    x = np.random.default_rng(0).normal(0, 2, shape)
    grad = numerical_gradient(lambda: np.sum(np.sin(x)), x)
    assert grad.shape == x.shape
    assert rel_error(grad, np.cos(x)) < 1e-7


def test_upstream_gradient_weights_each_output():
    """With df, the result is d(sum(f() * df))/dx: for f(x) = A x that is A^T df."""
    rng = np.random.default_rng(1)
    A, x, df = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=4)
    assert rel_error(numerical_gradient(lambda: A @ x, x, df), A.T @ df) < 1e-8
    dy = rng.normal(size=3)
    assert rel_error(numerical_gradient(lambda: x ** 3, x, dy), 3 * x ** 2 * dy) < 1e-7


def test_restores_x_and_sees_only_x():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    before = x.copy()
    grad = numerical_gradient(lambda: np.sum(x * y), x)
    np.testing.assert_array_equal(x, before)
    assert rel_error(grad, y) < 1e-8


def test_numerical_gradient_needs_a_float64_array():
    with pytest.raises(TypeError, match="float64 array to perturb, got ndarray of float32"):
        numerical_gradient(lambda: 0.0, np.zeros(3, np.float32))
    with pytest.raises(TypeError, match="got list"):
        numerical_gradient(lambda: 0.0, [0.0, 1.0])


def test_rel_error_scale():
    a = np.random.default_rng(3).normal(size=(3, 4))
    assert rel_error(a, a.copy()) == 0.0
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert rel_error(a, a * (1 + 1e-9)) == pytest.approx(0.5e-9, rel=1e-3)
    assert rel_error(1e6 * a, 1e6 * a * (1 + 1e-9)) == pytest.approx(rel_error(a, a * (1 + 1e-9)))
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0


def test_rel_error_is_the_worst_entry_and_ignores_round_off_at_zero():
    a = np.ones(100)
    b = a.copy()
    b[17] = 1.1
    assert rel_error(a, b) == pytest.approx(0.1 / 2.1)
    assert rel_error(np.zeros(3), np.full(3, 1e-12)) < 1e-3  # the 1e-8 floor: tiny values are noise


def test_rel_error_needs_one_shape():
    with pytest.raises(ValueError, match=r"one shape, got \(3,\) and \(3, 1\)"):
        rel_error(np.zeros(3), np.zeros((3, 1)))


def test_upstream_gradient_of_the_wrong_shape_is_rejected():
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    with pytest.raises(ValueError, match=r"df must have the shape of f\(\)'s output \(2, 3\), got \(3,\)"):
        numerical_gradient(lambda: np.sin(x), x, df=np.ones(3))
