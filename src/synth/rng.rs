//! A small deterministic PRNG (xoshiro256**, seeded through SplitMix64) and the few draws the
//! generator needs. Written here rather than taken from `rand` so that the same seed gives the
//! same replay whatever crate versions are in the lock file.

/// One independent stream of random numbers.
pub(crate) struct Rng {
    s: [u64; 4],
    /// Second normal of the last polar-method pair.
    spare: Option<f64>,
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a: a stable hash of a label (std's hashers may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

impl Rng {
    /// The stream for `label` (e.g. an instrument symbol) under `seed`: streams for different
    /// labels are independent, so adding an instrument leaves every other one unchanged.
    pub(crate) fn stream(seed: u64, label: &str) -> Rng {
        let mut state = seed;
        state = splitmix64(&mut state) ^ fnv1a(label.as_bytes());
        let s = [
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
            splitmix64(&mut state),
        ];
        Rng { s, spare: None }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [0, n); `n` must be positive.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: the bias is below 2^-64 * n, far under anything visible here.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Standard normal (Marsaglia's polar method).
    pub(crate) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let k = (-2.0 * s.ln() / s).sqrt();
                self.spare = Some(v * k);
                return u * k;
            }
        }
    }

    /// Exponential with mean 1.
    pub(crate) fn exp(&mut self) -> f64 {
        -(1.0 - self.uniform()).ln()
    }

    /// Pareto with scale `xm` and tail index `alpha`.
    pub(crate) fn pareto(&mut self, alpha: f64, xm: f64) -> f64 {
        xm * (1.0 - self.uniform()).powf(-1.0 / alpha)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_stable_and_independent() {
        let mut a = Rng::stream(7, "NVDA");
        let mut b = Rng::stream(7, "NVDA");
        let mut c = Rng::stream(7, "AMD");
        let mut d = Rng::stream(8, "NVDA");
        let xa: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa[0], c.next_u64());
        assert_ne!(xa[0], d.next_u64());
    }

    #[test]
    fn draws_have_the_right_moments() {
        let mut r = Rng::stream(1, "moments");
        let n = 200_000;
        let (mut s1, mut s2, mut e1) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let z = r.normal();
            s1 += z;
            s2 += z * z;
            e1 += r.exp();
        }
        let n = f64::from(n);
        assert!((s1 / n).abs() < 0.01);
        assert!((s2 / n - 1.0).abs() < 0.02);
        assert!((e1 / n - 1.0).abs() < 0.02);
        assert!((0..1000).all(|_| r.pareto(1.5, 2.0) >= 2.0));
        assert!((0..1000).all(|_| r.below(10) < 10));
    }
}
