//! Critical values of Student's t distribution, for confidence intervals from few seeds.
//!
//! The two-sided 95 % interval of a mean from n values uses t(0.975, n − 1). Its value comes
//! from the t distribution's CDF, P(T ≤ t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, where I is
//! the regularized incomplete beta function, inverted by bisection. Accurate to about 1e-9,
//! far below the six decimals the tables print. Its logarithms and exponentials are
//! `sim_core::math`'s, so `aggregate.csv`, which CI gates compare across machines, has the
//! same bits everywhere.

use sim_core::math;

/// The two-sided critical value t(1 − α/2, ν) for confidence `level` (e.g. 0.95) and `df` = ν
/// degrees of freedom (≥ 1).
pub fn critical_value(level: f64, df: u64) -> f64 {
    let target = 1.0 - (1.0 - level) / 2.0;
    let nu = df.max(1) as f64;
    let mut high = 1.0;
    while cdf(high, nu) < target {
        high *= 2.0;
    }
    let mut low = 0.0;
    for _ in 0..200 {
        let mid = (low + high) / 2.0;
        if cdf(mid, nu) < target {
            low = mid;
        } else {
            high = mid;
        }
    }
    (low + high) / 2.0
}

/// P(T ≤ t) for t ≥ 0 with `nu` degrees of freedom.
fn cdf(t: f64, nu: f64) -> f64 {
    1.0 - 0.5 * incomplete_beta(nu / (nu + t * t), nu / 2.0, 0.5)
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction (Numerical
/// Recipes §6.4), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where that converges faster.
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = math::exp(ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * math::ln(x) + b * math::ln(1.0 - x));
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

/// The continued fraction of the incomplete beta function, by the modified Lentz method.
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    d = 1.0 / if d.abs() < TINY { TINY } else { d };
    let mut h = d;
    for m in 1..500 {
        let m = f64::from(m);
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        for coefficient in [even, odd] {
            d = 1.0 + coefficient * d;
            d = 1.0 / if d.abs() < TINY { TINY } else { d };
            c = 1.0 + coefficient / c;
            if c.abs() < TINY {
                c = TINY;
            }
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7, nine coefficients).
fn ln_gamma(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = COEFFICIENTS[1..]
        .iter()
        .enumerate()
        .fold(COEFFICIENTS[0], |acc, (i, c)| acc + c / (x + i as f64 + 1.0));
    0.5 * math::ln(2.0 * std::f64::consts::PI) + (x + 0.5) * math::ln(t) - t + math::ln(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_printed_t_table() {
        // Two-sided 95 % values from any t table (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
        for (df, expected) in [
            (1, 12.706),
            (2, 4.303),
            (4, 2.776),
            (7, 2.365),
            (9, 2.262),
            (29, 2.045),
            (49, 2.010),
            (100, 1.984),
        ] {
            let t = critical_value(0.95, df);
            assert!((t - expected).abs() < 5e-4, "df {df}: {t} vs {expected}");
        }
        // With df = 1 the t distribution is Cauchy: t(0.975) = tan(0.475 π) exactly.
        let cauchy = (0.475 * std::f64::consts::PI).tan();
        assert!((critical_value(0.95, 1) - cauchy).abs() < 1e-9);
        // Very many degrees of freedom approach the normal 1.959964.
        assert!((critical_value(0.95, 1_000_000) - 1.959_964).abs() < 1e-5);
    }

    #[test]
    fn ln_gamma_of_small_integers() {
        // Γ(5) = 4! = 24, Γ(0.5) = √π.
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }
}
