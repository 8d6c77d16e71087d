//! Portable math: every transcendental function a simulation decision depends on, and the
//! random draws built on them.
//!
//! `f64::exp`, `ln`, `powf`, `sin`, … call the platform's C library, whose results differ in
//! the last bits between glibc, musl, macOS and Windows (they are not correctly rounded, and
//! each rounds its own way). A last bit decides a threshold crossing, a placement score or a
//! failure time, and so the whole run. This module calls the `libm` crate instead: the same
//! pure-Rust code, and so the same bits, on every machine. Addition, multiplication,
//! division, `sqrt`, `floor`, `ceil`, `round` and `mul_add` are exact IEEE-754 operations and
//! need no wrapper.
//!
//! The workspace's `clippy.toml` forbids the platform functions (`disallowed-methods`) in every
//! crate but `reports`, whose charts and output statistics decide nothing in a run. The
//! random draws below replace `rand_distr`'s samplers, which call the platform's functions
//! internally.
//!
//! The guarantee holds on targets with IEEE-754 double arithmetic: every 64-bit target, not
//! 32-bit x86 without SSE2 (whose x87 registers round differently).

use rand::{Rng, RngExt};

/// eˣ.
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// The natural logarithm.
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// xʸ.
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// xⁿ for an integer n (`libm::pow`, exact for small powers of two).
pub fn powi(x: f64, n: i32) -> f64 {
    libm::pow(x, f64::from(n))
}

/// The cube root.
pub fn cbrt(x: f64) -> f64 {
    libm::cbrt(x)
}

/// The sine of `x` radians.
pub fn sin(x: f64) -> f64 {
    libm::sin(x)
}

/// The cosine of `x` radians.
pub fn cos(x: f64) -> f64 {
    libm::cos(x)
}

/// The gamma function Γ(x): the scale of a Weibull of a given mean (`mean ÷ Γ(1 + 1/k)`).
/// `+∞` past x ≈ 171.6, where Γ overflows.
pub fn tgamma(x: f64) -> f64 {
    libm::tgamma(x)
}

/// A uniform draw in (0, 1]: never 0, so that its logarithm is finite.
pub fn open_unit(rng: &mut impl Rng) -> f64 {
    1.0 - rng.random::<f64>()
}

/// An exponential draw of mean `mean`, by inversion: `−mean · ln U`, U uniform in (0, 1].
/// One uniform per draw.
pub fn exponential(rng: &mut impl Rng, mean: f64) -> f64 {
    -mean * ln(open_unit(rng))
}

/// A Weibull draw of scale `scale` and shape `shape`, by inversion: `scale · (−ln U)^(1/shape)`.
/// One uniform per draw.
pub fn weibull(rng: &mut impl Rng, scale: f64, shape: f64) -> f64 {
    scale * powf(-ln(open_unit(rng)), 1.0 / shape)
}

/// A standard normal draw, by the Box–Muller transform: `√(−2 ln U₁) · cos(2π U₂)`. Two
/// uniforms per draw (the sine twin is not kept, so every draw costs the same).
pub fn standard_normal(rng: &mut impl Rng) -> f64 {
    let radius = (-2.0 * ln(open_unit(rng))).sqrt();
    let angle = 2.0 * std::f64::consts::PI * rng.random::<f64>();
    radius * cos(angle)
}

/// A lognormal draw: `e^(mu + sigma · Z)`, Z standard normal ([`standard_normal`]).
pub fn lognormal(rng: &mut impl Rng, mu: f64, sigma: f64) -> f64 {
    exp(mu + sigma * standard_normal(rng))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn functions_match_known_values() {
        // Exact cases of IEEE functions, and Γ at integers and 1/2: Γ(n) = (n − 1)!, Γ(½) = √π.
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(powf(2.0, 10.0), 1024.0);
        assert_eq!(powi(2.0, -2), 0.25);
        assert_eq!(cbrt(27.0), 3.0);
        assert_eq!(sin(0.0), 0.0);
        assert_eq!(cos(0.0), 1.0);
        assert!((tgamma(5.0) - 24.0).abs() < 1e-12);
        assert!((tgamma(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-15);
        // Γ(1 + 1/0.7) = Γ(2.428571…) = 1.265823… (the Weibull of docs/models.md §5).
        assert!((tgamma(1.0 + 1.0 / 0.7) - 1.265_823_1).abs() < 1e-6);
        assert_eq!(tgamma(200.0), f64::INFINITY);
    }

    #[test]
    fn the_same_stream_gives_the_same_bits() {
        // The draws are functions of the stream alone: two copies agree bit for bit.
        let (mut a, mut b) = (stream(3, "test.math"), stream(3, "test.math"));
        for _ in 0..1000 {
            assert_eq!(
                lognormal(&mut a, 1.0, 2.0).to_bits(),
                lognormal(&mut b, 1.0, 2.0).to_bits()
            );
            assert_eq!(weibull(&mut a, 3.0, 0.7).to_bits(), weibull(&mut b, 3.0, 0.7).to_bits());
        }
    }

    #[test]
    fn normal_moments_over_100k_draws() {
        // Mean 0 with standard error 1/√n = 0.0032 (0.015 allowed, over 4.7 standard errors);
        // variance 1 with relative standard error √(2/n) = 0.45 % (2 % allowed).
        let mut rng = stream(7, "test.normal");
        let n = 100_000;
        let draws: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let variance = draws.iter().map(|z| (z - mean) * (z - mean)).sum::<f64>() / (n - 1) as f64;
        assert!(mean.abs() < 0.015, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.02, "variance {variance}");
    }
}
