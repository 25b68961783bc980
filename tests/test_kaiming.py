"""Wrong answers to the Kaiming problem are rejected by its checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from checks import kaiming as sim
from tests.conftest import failed_claims, invoke, misgraded, right_values_rejected, solved, unrejected
from theory import kaiming
from theory.core import grade
from theory.core.errors import BadInput

FAST = {"factors": "(1.0,)"}
ROOT = Path(__file__).resolve().parents[1]


def test_he_variance_off_by_factor_two_is_rejected(monkeypatch):
    monkeypatch.setattr(kaiming, "he_variance", lambda a, d: 1 / ((1 + a**2) * d))  # Xavier-like
    failed = failed_claims(kaiming, FAST)
    assert {"d.sigma2", "d.mc.gain1"} <= failed


def test_dropped_alpha_term_is_rejected_for_leaky_relu(monkeypatch):
    monkeypatch.setattr(kaiming, "second_moment_factor", lambda a: a * 0 + 0.5)
    failed = failed_claims(kaiming, {**FAST, "alpha": "0.5"})
    assert {"c.mc.normal", "c.mc.Laplace", "c.mc.uniform"} <= failed


def test_wrong_sign_in_second_moment_is_rejected(monkeypatch):
    monkeypatch.setattr(kaiming, "second_moment_factor", lambda a: (1 - a**2) / 2)
    # (d): the coefficient d_h (1 - alpha^2)/2 of sigma_h^2 is not positive for every slope
    assert {"c.mc.normal", "d.unique"} <= failed_claims(kaiming, {**FAST, "alpha": "0.3"})


def test_leaky_alpha_derivation_holds():
    assert not failed_claims(kaiming, {**FAST, "alpha": "0.1"})


@pytest.mark.parametrize("bad", [{"alpha": "-0.1"}, {"scale": "0"}, {"factors": "()"},
                                 {"mc_weights": "'cauchy'"}, {"t_dof": "3"}, {"t_dof": "4.5"},
                                 {"alpha": "1e308"}, {"scale": "1e308"}, {"mc_width": "16"},
                                 {"factors": "(1, 1.0)"}, {"factors": "(1e6,)"}, {"factors": "(0.5,) * 9"},
                                 {"batch": "64"}, {"width": "1024"}, {"fan_in": "1000000"}])
def test_bad_parameters(bad):
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput):
        solve_topic(kaiming, bad)


def test_budget_limits_are_named():
    from theory.core.cli import solve_topic

    with pytest.raises(BadInput, match="exceeds the 6144 limit"):
        solve_topic(kaiming, {"mc_width": "64", "batch": "64"})


def test_gains_stay_finite_far_from_the_preserving_variance():
    """100 layers at 100x or 0.01x the variance leave float32's range unless rescaled."""
    rng = np.random.default_rng(1)
    for k in (0.01, 100.0):
        g = sim.layer_gains(rng, 990, width=32, depth=100, batch=2, weight_var=k * 2 / 32, alpha=0.0,
                            kind="rademacher")
        assert np.all(np.isfinite(g)) and abs(g.mean() / k - 1) < 0.1
        v = sim.variance_by_layer(rng, width=32, depth=100, batch=2, networks=8, weight_var=k * 2 / 32, alpha=0.0)
        assert np.all(np.isfinite(v)) and np.all(v > 0)


def test_one_unit_is_drawn_in_bounded_blocks(monkeypatch):
    monkeypatch.setattr(sim, "BLOCK", 64)
    z = sim.one_unit(np.random.default_rng(2), 10_000, 48, 1 / 48, lambda r, s: r.uniform(0.0, 2.0, s))
    assert z.shape == (10_000,) and abs(np.mean(z**2) - 4 / 3) < 0.1


@pytest.mark.parametrize("scale", [1e-3, 1e3])
def test_quadrature_finds_narrow_and_wide_densities(scale):
    p = kaiming.Params(scale=scale, alpha=0.5)
    for name, density in kaiming._densities(p).items():
        exact = float((1 + sp.Rational(1, 4)) / 2 * kaiming._integral(kaiming.z**2 * density, -sp.oo, sp.oo))
        assert kaiming._quad_leaky_sq(density, 0.5, scale) == pytest.approx(exact, rel=1e-9), name


LOGISTIC = "exp(-z)/(1+exp(-z))**2"
REFUSED = [
    ("exp(-(z-1)**2/2)/sqrt(2*pi)", "not symmetric"),
    ("exp(-abs(z))", "integrates to 2, not exactly 1"),
    ("exp(-cosh(z))", "(quadrature), not 1"),
    ("exp(-abs(z))*(abs(z) - 1/2)", "negative"),
    ("1/(pi*(1 + z**2))", "variance (the integral of z^2 p) is infinite"),
    ("3/(pi*(1 + z**2)**2)*2/3", "fourth moment"),
    ("__import__('os').system('touch {marker}')", "unsupported syntax"),
    ("gauss", "unknown density 'gauss'"),
    ("normal, Normal", "listed twice"),
]


@pytest.fixture
def fresh_densities():
    """Typed densities are cached with their samplers: clear them around tests that patch either."""
    kaiming.typed_density.cache_clear()
    yield
    kaiming.typed_density.cache_clear()


@pytest.mark.parametrize("density", ["exp(-abs(z))/2", "max(0, 1 - abs(z))", LOGISTIC])
def test_typed_density_is_accepted_and_its_claims_hold(density):
    from theory.core.cli import solve_topic

    sol = solve_topic(kaiming, {**FAST, "alpha": "0.5", "densities": f"uniform, {density}"})
    claims = {cid: v for cid, _, v in sol.claims()}
    assert {"c.density.p1", "c.mc.p1", "c.mc.uniform"} <= set(claims)
    assert not {c for c in claims if c.startswith("c.mc.")} - {"c.mc.p1", "c.mc.uniform"}
    assert all(v.passed for v in claims.values()), [c for c, v in claims.items() if not v.passed]
    assert "checked on: uniform, p1" in claims["c.symmetric"].detail


def test_exact_integrals_of_a_typed_density():
    t = kaiming.typed_density("max(0, 1 - abs(z))")
    assert t.integrals["var"] == sp.Rational(1, 6) and t.integrals["pos2"] == sp.Rational(1, 12)
    assert t.verdict.method == "symbolic" and t.verdict.passed


def test_quadratures_of_a_typed_density_sympy_cannot_integrate():
    t = kaiming.typed_density(LOGISTIC)
    assert t.integrals["norm"] == 1  # SymPy's
    assert t.integrals["var"] == pytest.approx(float(sp.pi**2 / 3), rel=1e-10)  # quadrature
    assert t.verdict.method == "numeric" and "quadrature" in t.verdict.detail


@pytest.mark.parametrize("text, message", REFUSED)
def test_a_non_density_is_refused_in_one_line(tmp_path, text, message):
    marker = tmp_path / "ran"
    r = invoke("theory.kaiming", "--param", f"densities=normal, {text.format(marker=marker)}")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
    assert message in r.stderr and not marker.exists()


def test_wrong_factor_fails_the_typed_density_check(monkeypatch):
    monkeypatch.setattr(kaiming, "second_moment_factor", lambda a: (1 - a**2) / 2)
    assert "c.mc.p1" in failed_claims(kaiming, {**FAST, "alpha": "0.5", "densities": "exp(-abs(z))/2"})


def test_wrong_quadrature_fails_the_typed_density_checks(monkeypatch, fresh_densities):
    quad = kaiming._quad
    monkeypatch.setattr(kaiming, "_quad", lambda f, *a: 1.05 * quad(f, *a) if f.has(kaiming.z**2) else quad(f, *a))
    assert {"c.moment.1", "c.mc.p1"} <= failed_claims(kaiming, {**FAST, "densities": LOGISTIC})


def test_wrong_sampler_fails_the_typed_density_check(monkeypatch, fresh_densities):
    draw = sim.inverse_cdf

    def stretched(pdf):
        sample = draw(pdf)
        return lambda rng, n: 1.05 * sample(rng, n)  # the density of 1.05 z: variance off by 10%

    monkeypatch.setattr(sim, "inverse_cdf", stretched)
    assert "c.mc.p1" in failed_claims(kaiming, {**FAST, "densities": "exp(-abs(z))/2"})


def test_inverse_cdf_samples_the_density():
    s = sim.inverse_cdf(lambda x: np.exp(-np.abs(x)) / 2)
    assert np.mean(s(np.random.default_rng(3), 1_000_000) ** 2) == pytest.approx(2.0, rel=0.01)
    with pytest.raises(ValueError):
        sim.inverse_cdf(lambda x: np.cos(x))


ANSWERS = ("sigma_h^2", kaiming.ANY_SLOPE, "sigma_h^2 at width", "second moment factor", "gain")


def test_the_named_misconceptions_are_declared():
    assert {"missing-relu-half", "relu-ignores-slope-any-slope", "slope-not-squared-any-slope", "fan-out",
            "standard-deviation", "variance-not-second-moment", "factor-missing-half", "variance-as-gain"} <= {
        m.id for m in solved("kaiming").misconceptions}


def test_the_sheets_relu_answer_is_right_at_the_slope_in_force():
    """The sheet asks for the ReLU: 2/d_h is its answer, and the formula for any slope sits beside it."""
    sol = solved("kaiming")
    answers = grade.gradeable(sol)
    assert grade.grade(answers["sigma_h^2"], "2/d_h", sol.misconceptions).verdict == "correct"
    wrong = grade.grade(answers[kaiming.ANY_SLOPE], "2/d_h", sol.misconceptions)
    assert wrong.verdict == "incorrect" and wrong.misconception.id == "relu-ignores-slope-any-slope"
    assert "relu-ignores-slope" not in {m.id for m in sol.misconceptions}  # it is the answer at alpha = 0


def test_grading_accepts_the_answers_and_names_each_misconception():
    sol = solved("kaiming")
    assert not misgraded(sol, sp.sstr, ANSWERS)
    answers = grade.gradeable(sol)
    assert grade.grade(answers[kaiming.ANY_SLOPE], "2/(d_h + alpha**2*d_h)", sol.misconceptions).verdict == "correct"
    at_slope = grade.grade(answers["sigma_h^2"], "2/(d_h + alpha**2*d_h)", sol.misconceptions, grade.constants(sol))
    assert at_slope.verdict == "correct"  # alpha read as the slope in force
    assert grade.grade(answers["sigma_h^2 at width"], 2 / 256, sol.misconceptions).verdict == "correct"


def test_the_right_values_are_no_misconception():
    assert not right_values_rejected(solved("kaiming"), ANSWERS)


def test_a_variance_off_by_two_percent_is_rejected():
    """The layer gains resolve 1%, the quadratures 1e-9: 2% too much is caught at the ReLU by both."""
    sol = solved("kaiming")
    right = kaiming.he_variance(kaiming.alpha_, kaiming.d_)
    assert sol.rejects("sigma_h^2", 1.02 * right).passed and sol.rejects(kaiming.ANY_SLOPE, 1.02 * right).passed
    assert sol.rejects("sigma_h^2 at width", 1.02 * sol.results["sigma_h^2 at width"].value).passed
    assert sol.rejects("second moment factor", sp.Rational(51, 100)).passed


def test_slopes_that_cannot_tell_a_mistake_do_not_declare_it():
    """At alpha = 1 the slope is the identity's: alpha and alpha^2 agree, and so do the gain and its square."""
    from theory.core.cli import solve_topic

    sol = solve_topic(kaiming, {**FAST, "alpha": "1"})
    ids = {m.id for m in sol.misconceptions}
    assert not {"factor-slope-not-squared", "variance-as-gain", "gain-slope-not-squared"} & ids
    assert {"slope-not-squared-any-slope", "factor-ignores-slope", "relu-gain"} <= ids  # other slopes, or 1/2 != 1
    assert "slope-not-squared" not in ids  # at alpha = 1 it is the answer
    assert not unrejected(sol)


def test_the_number_at_width_names_its_slips_and_every_explanation_stands_alone():
    sol = solved("kaiming")
    at_width = {m.id for m in sol.misconceptions if m.answer == kaiming.AT_WIDTH}
    assert {"standard-deviation-at-width", "missing-relu-half-at-width"} <= at_width  # ReLU: 2/d_h is right
    assert not [m.id for m in sol.misconceptions if "above" in m.explanation]  # a grade shows one alone
