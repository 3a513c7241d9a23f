//! Random streams keyed by (seed, replication, stream id). Every firm owns the stream of its id and
//! the economy's few shared draws (sector noise, entry) have reserved ids, so a replication's
//! results depend on nothing but the scenario and the seed: not on thread count or scheduling.

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator behind every stream: xoshiro256++ (fast, 256-bit state, passes BigCrush).
pub type Stream = Xoshiro256PlusPlus;

/// Stream id of the sector-demand noise.
pub const SECTOR_STREAM: u64 = u64::MAX;
/// Stream id of entry draws.
pub const ENTRY_STREAM: u64 = u64::MAX - 1;
/// Stream id of the initial population's draws.
pub const POPULATION_STREAM: u64 = u64::MAX - 2;
/// The stream that lets lost public contracts again (step 9).
pub const TENDER_STREAM: u64 = u64::MAX - 3;

/// SplitMix64 finaliser: a bijective mix, so distinct keys give unrelated seeds.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream for (seed, replication, id).
pub fn stream(seed: u64, replication: u32, id: u64) -> Stream {
    let key = mix(mix(mix(seed) ^ u64::from(replication)) ^ id);
    Stream::seed_from_u64(key)
}

/// A standard normal draw.
pub fn normal(rng: &mut Stream) -> f64 {
    StandardNormal.sample(rng)
}

/// A mean-one lognormal shock with log-sd `sd`.
pub fn mean_one_shock(rng: &mut Stream, sd: f64) -> f64 {
    if sd == 0.0 {
        1.0
    } else {
        (sd * normal(rng) - 0.5 * sd * sd).exp()
    }
}

/// Rounds up with probability equal to the fraction, so small adjustments are unbiased on average.
pub fn stochastic_round(x: f64, rng: &mut Stream) -> u32 {
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    let floor = x.floor();
    floor as u32 + u32::from(rng.random::<f64>() < x - floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_each_part_of_the_key_and_repeat_exactly() {
        let draw = |s: u64, r: u32, id: u64| stream(s, r, id).random::<u64>();
        assert_eq!(draw(1, 2, 3), draw(1, 2, 3));
        assert_ne!(draw(1, 2, 3), draw(2, 2, 3));
        assert_ne!(draw(1, 2, 3), draw(1, 3, 3));
        assert_ne!(draw(1, 2, 3), draw(1, 2, 4));
    }
}
