//! SIMD element loops for the transcendental functions.
//!
//! In: an output slice and one input slice of the same length (unary
//! kernels), or an output slice and two [`Arg`] operands, each a block-long
//! slice or one scalar (binary kernels).  Out: `out[i] = f(x[i])`, with the
//! C library's results: every float64 kernel is within 4 ULP of glibc's
//! function (which Rust's `f64` methods call), with the same special values
//! (signed zeros, infinities, NaN, subnormals, overflow, out-of-domain NaN)
//! and exact results where glibc's are exact; every float32 kernel returns
//! *exactly* glibc's float32 result (`sinf`, `expf`, ...), bit for bit.
//!
//! How: eight lanes at a time with [`wide::f64x8`].  Each function has a
//! vector *core* that computes all eight results and flags the lanes it
//! cannot vouch for (huge trigonometric arguments, subnormal inputs,
//! overflow bands, NaN and infinite inputs of some functions, ...); those
//! lanes, every lane whose vector result is NaN (glibc's NaNs carry a sign
//! that `copysign` and `signbit` expose, and it differs from function to
//! function), and the tail of `len % 8` elements, are recomputed with the
//! scalar std function.  Typical data never takes the scalar path.
//!
//! Where a later operation magnifies an error (`sin(cosh(x))` for large
//! `x`, differences of nearly equal values) a 1-ULP difference from glibc
//! shows in the result, so the cores of `exp`, `expm1`, `sinh` and `cosh`
//! follow glibc's own algorithms and agree with it bit for bit on almost
//! every input, not only within the 4-ULP bound; in FMA builds `log` (and
//! the logarithms inside `log1p`, `log10` and `log2`) follows glibc's
//! table algorithm with a table of its own: `log`, `log1p` and `log2`
//! within 1 ULP and equal to glibc's on 98-99% of inputs (`log10` 2 ULP,
//! 99%).  `tanh`, whose values are bounded by 1, has a faster core of its
//! own (a polynomial below 0.5625, `exp` above; within 2 ULP of glibc,
//! equal on about 80% of the inputs).
//!
//! float32 results must be glibc's bit for bit, not merely close: numexpr
//! computes float32 functions with the C library's `sinf`, `expf`, ..., and
//! a 1-ULP float32 difference (6e-8) shows in a float64 result that mixes
//! it with float64 values far beyond the conformance tolerance.  glibc's
//! `expf`, `sinf` and `cosf` compute in double and round once; their
//! vector cores here (`core::expf`, `core::sincosf`) repeat glibc's
//! FMA-build computation step for step, the same table, polynomial,
//! thresholds and fused operations, so that the double results are
//! identical, and so are the float32 results: checked over all 2^32
//! float32 inputs, 0 differences (`expf` differs in 2 inputs if its first
//! product is not fused, as glibc's compiler fuses it).  Lanes outside
//! their fast paths (`|x| >= 88` and `x < -87`, where results near the
//! subnormal range begin, for `expf`; `|x| >= 120` for `sinf`/`cosf`) and
//! non-finite inputs go to the scalar function; no other input gives a
//! NaN, infinite or subnormal float32 result (part of the same 2^32-input
//! check), so the float32 results need no screening.  They run in FMA
//! builds only (the default build runs glibc's functions); the other
//! float32 functions are the scalar C library.  The reference is glibc's
//! FMA variant (2.28 and later, selected on CPUs with FMA and AVX2); with
//! another C library the results are within 1 float32 ULP of its own.
//!
//! Speed and accuracy depend on the build, because `wide` picks its vector
//! width and FMA use at compile time.  With `-C target-cpu=native` (AVX-512
//! and FMA on the development machine) the float64 kernels take 1-4.5 ns
//! per element against 4-13 ns for glibc, 2.5-6x faster (one thread, 1M
//! elements), and float32 `expf`, `sinf` and `cosf` 1.8-2.2x faster.  In
//! a default x86-64 build (SSE2, no FMA) the gain is 1.3-3.5x, and float64
//! `expm1`, `sinh`, `pow` and `log2` and the float32 kernels run the scalar
//! loop, which is as fast or faster there.  Guard thresholds that depend
//! on FMA are chosen with `cfg!(target_feature = "fma")`.

use super::memory::{self, Slot};
use crate::vm::Arg;
use wide::{f64x8, u64x8};

type V = f64x8;
type U = u64x8;

/// Lanes per vector.
const LANES: usize = 8;

/// Whether `mul_add` is fused in this build.
const FMA: bool = cfg!(target_feature = "fma");

/// `v` in every lane.
#[inline(always)]
fn sp(v: f64) -> V {
    V::splat(v)
}

/// `v` in every lane.
#[inline(always)]
fn su(v: u64) -> U {
    U::splat(v)
}

/// The union of two lane masks.
#[inline(always)]
fn or(a: V, b: V) -> V {
    a | b
}

/// `|x|` with the sign of `s`.
#[inline(always)]
fn with_sign_of(a: V, s: V) -> V {
    a.copysign(s)
}

/// A float64 vector of the integers in `k` (`0 <= k < 2^51`).
#[inline(always)]
fn u_to_f(k: U) -> V {
    V::from_bits(k | su(0x4330_0000_0000_0000)) - sp(4503599627370496.0)
}

/// `2^k` for integral `k` in [-1022, 1023] (other `k`: some finite value).
#[inline(always)]
fn pow2(k: V) -> V {
    let b = (k + sp(4503599627370496.0 + 1023.0)).to_bits();
    V::from_bits(b << 52)
}

/// Rounds to an integral value (nearest, ties to even), for `|t| < 2^51`,
/// and returns it with its low bits as an integer.
#[inline(always)]
fn round_bits(t: V) -> (V, U) {
    const MAGIC: f64 = 6755399441055744.0; // 1.5 * 2^52
    let b = t + sp(MAGIC);
    (b - sp(MAGIC), b.to_bits())
}

/// `table[i % 128]` for the integer `i` in each lane of `idx`.
///
/// With AVX-512 one gather instruction; otherwise (`wide` has no gather)
/// eight scalar loads, which cost as much as the rest of an `exp`.
#[inline(always)]
fn lookup(table: &[u64; 128], idx: U) -> U {
    let idx = idx & su(127);
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    {
        use std::arch::x86_64::{__m512i, _mm512_i64gather_epi64};
        // SAFETY: the gather reads, for each lane, the 8 bytes at byte
        // offset `8 * idx` from the start of `table` (scale 8); every lane
        // of `idx` is below 128 = `table.len()`, so each read is one whole
        // element of `table`, which is borrowed for the call.  The target
        // feature the instruction needs (AVX-512F) is enabled at compile
        // time (this block is compiled only then).  `lookup_matches_indexing`
        // checks the result lane by lane, indices above 127 included.
        U::from(unsafe { _mm512_i64gather_epi64::<8>(__m512i::from(idx), table.as_ptr().cast()) })
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
    {
        let mut out = [0u64; LANES];
        for (o, &i) in out.iter_mut().zip(idx.as_array()) {
            *o = table[i as usize];
        }
        U::new(out)
    }
}

/// `mask.select(taken(), other)`, with `taken` computed only when a lane
/// of `mask` is set.  Neighbouring elements usually take the same branch
/// of a core, so most vectors skip the others, and a skipped branch does
/// no arithmetic on values it was not made for (which can be subnormal:
/// each subnormal result costs a microcode assist).
#[inline(always)]
fn select_lazy(mask: V, taken: impl FnOnce() -> V, other: V) -> V {
    if mask.any() {
        mask.select(taken(), other)
    } else {
        other
    }
}

/// Lanes of `u` whose low bit is set, as a float mask.
#[inline(always)]
fn odd(u: U) -> V {
    V::from_bits((u & su(1)).simd_eq(su(1)))
}

// ---------------------------------------------------------------------------
// Vector cores.  Each takes eight float64 inputs and returns eight results
// and a mask of lanes the caller must recompute with the scalar function.

// The constants are written as their sources (fdlibm, Cephes) publish them.
#[allow(clippy::excessive_precision)]
mod core {
    use super::*;

    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const INVLN2: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);

    /// `2^(j/128) = H[j] * (1 + T[j])` for `j` in [0, 128), as glibc's `exp`
    /// tabulates it: the bits of `T[j]` ...
    const EXP_TAIL: [u64; 128] = [
        0x0000_0000_0000_0000,
        0x3c9b_3b4f_1a88_bf6e,
        0xbc71_6013_9cd8_dc5d,
        0xbc90_5e7a_1087_66d1,
        0x3c8c_d252_3567_f613,
        0xbc8b_ce80_23f9_8efa,
        0x3c60_f74e_61e6_c861,
        0x3c90_a3e4_5b33_d399,
        0x3c97_9aa6_5d83_7b6d,
        0x3c8e_b51a_92fd_effc,
        0x3c3e_be3d_702f_9cd1,
        0xbc6a_0334_8990_6e0b,
        0xbc95_5652_2a2f_bd0e,
        0xbc50_80ef_8c4e_ea55,
        0xbc91_c923_b9d5_f416,
        0x3c80_d3e3_e95c_55af,
        0xbc80_1b15_eaa5_9348,
        0xbc8f_1ff0_55de_323d,
        0x3c8b_898c_3f13_53bf,
        0xbc96_d99c_7611_eb26,
        0x3c9a_ecf7_3e3a_2f60,
        0xbc8f_e782_cb86_389d,
        0x3c8a_6f41_44a6_c38d,
        0x3c80_7a05_b0e4_047d,
        0x3c96_8efd_e3a8_a894,
        0x3c87_5e18_f274_487d,
        0x3c80_472b_981f_e7f2,
        0xbc96_b87b_3f71_085e,
        0x3c82_f7e1_6d09_ab31,
        0xbc3d_219b_1a6f_bffa,
        0x3c8b_3782_720c_0ab4,
        0x3c6e_1492_89ce_cb8f,
        0x3c83_4d75_4db0_abb6,
        0x3c86_4201_e2ac_744c,
        0x3c8f_dd39_5dd3_f84a,
        0xbc86_a380_3b8e_5b04,
        0xbc92_4aed_cc4b_5068,
        0xbc99_07f8_1b51_2d8e,
        0xbc71_d1e8_3e94_36d2,
        0xbc99_1919_b3ce_1b15,
        0x3c85_9f48_a72a_4c6d,
        0xbc93_1260_7a28_698a,
        0xbc58_a78f_4817_895b,
        0xbc7c_2c9b_6749_9a1b,
        0x3c43_63ed_60c2_ac11,
        0x3c96_6609_3b06_64ef,
        0x3c6e_cce1_daa1_0379,
        0x3c93_ff8e_3f0f_1230,
        0x3c76_90ce_bb7a_afb0,
        0x3c93_1dbd_eb54_e077,
        0xbc8f_9434_0071_a38e,
        0xbc87_decc_dc93_a349,
        0xbc78_dec6_bd0f_385f,
        0xbc86_1246_ec7b_5cf6,
        0x3c93_3505_18fd_d78e,
        0x3c7b_98b7_2f8a_9b05,
        0x3c90_63e1_e21c_5409,
        0x3c34_c785_5019_c6ea,
        0x3c94_32e6_2b64_c035,
        0xbc8c_e44a_6199_769f,
        0xbc8c_33c5_3bef_4da8,
        0xbc84_5378_892b_e9ae,
        0xbc93_cedd_7856_5858,
        0x3c57_10aa_807e_1964,
        0xbc93_b3ef_bf5e_2228,
        0xbc6a_12ad_8734_b982,
        0xbc63_67ef_b86d_a9ee,
        0xbc80_dc3d_54e0_8851,
        0xbc78_1f64_7e5a_3ecf,
        0xbc86_ee4a_c08b_7db0,
        0xbc86_1932_1e55_e68a,
        0x3c90_9ccb_5e09_d4d3,
        0xbc7b_32dc_b94d_a51d,
        0x3c94_ecfd_5467_c06b,
        0x3c65_ebe1_abd6_6c55,
        0xbc88_a1c5_2fb3_cf42,
        0xbc93_69b6_f13b_3734,
        0xbc80_5e84_3a19_ff1e,
        0xbc94_d450_d872_576e,
        0x3c90_ad67_5b0e_8a00,
        0x3c8d_b72f_c1f0_eab4,
        0xbc65_b660_9cc5_e7ff,
        0x3c7b_f683_59f3_5f44,
        0xbc93_091f_a71e_3d83,
        0xbc5d_a9b8_8b6c_1e29,
        0xbc6c_23f9_7c90_b959,
        0xbc92_4343_22f4_f9aa,
        0xbc85_ca6c_d766_8e4b,
        0x3c71_affc_2b91_ce27,
        0x3c6d_d235_e10a_73bb,
        0xbc87_c504_2262_2263,
        0x3c8b_1c86_e3e2_31d5,
        0xbc91_bbd1_d3bc_bb15,
        0x3c90_cc31_9cee_31d2,
        0x3c84_6984_6e73_5ab3,
        0xbc82_dfcd_978e_9db4,
        0x3c8c_1a77_92cb_3387,
        0xbc90_7b8f_4ad1_d9fa,
        0xbc55_c3d9_56dc_aeba,
        0xbc90_a40e_3da6_f640,
        0xbc68_d6f4_38ad_9334,
        0xbc91_eee2_6b58_8a35,
        0x3c74_ffd7_0a5f_ddcd,
        0xbc91_bdfb_fa92_98ac,
        0x3c73_6eae_30af_0cb3,
        0x3c8e_e332_5c9f_fd94,
        0x3c84_e08f_d109_59ac,
        0x3c63_cdaf_384e_1a67,
        0x3c67_6b2c_6c92_1968,
        0xbc80_8a18_83cc_b5d2,
        0xbc8f_ad5d_3fff_fa6f,
        0xbc90_0dae_3875_a949,
        0x3c74_a385_a63d_07a7,
        0xbc82_919e_2040_220f,
        0x3c8e_5a50_d5c1_92ac,
        0x3c84_3a59_ac01_6b4b,
        0xbc82_d521_07b4_3e1f,
        0xbc89_2ab9_3b47_0dc9,
        0x3c74_b604_603a_88d3,
        0x3c83_c5ec_519d_7271,
        0xbc8f_f712_8fd3_91f0,
        0xbc8d_ae98_e223_747d,
        0x3c8e_c3bc_41aa_2008,
        0x3c84_2b94_c3a9_eb32,
        0x3c8a_64a9_31d1_85ee,
        0xbc8e_37ba_e43b_e3ed,
        0x3c77_893b_4d91_cd9d,
        0x3c53_05c1_4160_cc89,
    ];

    /// ... and the bits of `H[j]` minus `j << 45` (adding `k << 45` for
    /// `k = 128 m + j` then gives the bits of `2^m H[j]`).  Both tables are
    /// `2^(j/128)` rounded to float64, computed to 60 digits.
    const EXP_SBITS: [u64; 128] = [
        0x3ff0_0000_0000_0000,
        0x3fef_f63d_a9fb_3335,
        0x3fef_ec9a_3e77_8061,
        0x3fef_e315_e86e_7f85,
        0x3fef_d9b0_d315_8574,
        0x3fef_d06b_29dd_f6de,
        0x3fef_c745_1875_9bc8,
        0x3fef_be3e_cac6_f383,
        0x3fef_b558_6cf9_890f,
        0x3fef_ac92_2b72_47f7,
        0x3fef_a3ec_32d3_d1a2,
        0x3fef_9b66_affe_d31b,
        0x3fef_9301_d012_5b51,
        0x3fef_8abd_c06c_31cc,
        0x3fef_829a_aea9_2de0,
        0x3fef_7a98_c8a5_8e51,
        0x3fef_72b8_3c7d_517b,
        0x3fef_6af9_388c_8dea,
        0x3fef_635b_eb6f_cb75,
        0x3fef_5be0_8404_5cd4,
        0x3fef_5487_3168_b9aa,
        0x3fef_4d50_22fc_d91d,
        0x3fef_463b_8862_8cd6,
        0x3fef_3f49_917d_dc96,
        0x3fef_387a_6e75_6238,
        0x3fef_31ce_4fb2_a63f,
        0x3fef_2b45_65e2_7cdd,
        0x3fef_24df_e1f5_6381,
        0x3fef_1e9d_f51f_dee1,
        0x3fef_187f_d0da_d990,
        0x3fef_1285_a6e4_030b,
        0x3fef_0caf_a93e_2f56,
        0x3fef_06fe_0a31_b715,
        0x3fef_0170_fc4c_d831,
        0x3fee_fc08_b264_16ff,
        0x3fee_f6c5_5f92_9ff1,
        0x3fee_f1a7_373a_a9cb,
        0x3fee_ecae_6d05_d866,
        0x3fee_e7db_34e5_9ff7,
        0x3fee_e32d_c313_a8e5,
        0x3fee_dea6_4c12_3422,
        0x3fee_da45_04ac_801c,
        0x3fee_d60a_21f7_2e2a,
        0x3fee_d1f5_d950_a897,
        0x3fee_ce08_6061_892d,
        0x3fee_ca41_ed1d_0057,
        0x3fee_c6a2_b5c1_3cd0,
        0x3fee_c32a_f0d7_d3de,
        0x3fee_bfda_d536_2a27,
        0x3fee_bcb2_99fd_dd0d,
        0x3fee_b9b2_769d_2ca7,
        0x3fee_b6da_a2cf_6642,
        0x3fee_b42b_569d_4f82,
        0x3fee_b1a4_ca5d_920f,
        0x3fee_af47_36b5_27da,
        0x3fee_ad12_d497_c7fd,
        0x3fee_ab07_dd48_5429,
        0x3fee_a926_8a59_46b7,
        0x3fee_a76f_15ad_2148,
        0x3fee_a5e1_b976_dc09,
        0x3fee_a47e_b03a_5585,
        0x3fee_a346_34cc_c320,
        0x3fee_a238_8255_2225,
        0x3fee_a155_d44c_a973,
        0x3fee_a09e_667f_3bcd,
        0x3fee_a012_750b_dabf,
        0x3fee_9fb2_3c65_1a2f,
        0x3fee_9f7d_f951_9484,
        0x3fee_9f75_e8ec_5f74,
        0x3fee_9f9a_48a5_8174,
        0x3fee_9feb_5642_67c9,
        0x3fee_a069_4fde_5d3f,
        0x3fee_a114_73eb_0187,
        0x3fee_a1ed_0130_c132,
        0x3fee_a2f3_36cf_4e62,
        0x3fee_a427_543e_1a12,
        0x3fee_a589_994c_ce13,
        0x3fee_a71a_4623_c7ad,
        0x3fee_a8d9_9b44_92ed,
        0x3fee_aac7_d98a_6699,
        0x3fee_ace5_422a_a0db,
        0x3fee_af32_16b5_448c,
        0x3fee_b1ae_9915_7736,
        0x3fee_b45b_0b91_ffc6,
        0x3fee_b737_b0cd_c5e5,
        0x3fee_ba44_cbc8_520f,
        0x3fee_bd82_9fde_4e50,
        0x3fee_c0f1_70ca_07ba,
        0x3fee_c491_82a3_f090,
        0x3fee_c863_19e3_2323,
        0x3fee_cc66_7b5d_e565,
        0x3fee_d09b_ec4a_2d33,
        0x3fee_d503_b23e_255d,
        0x3fee_d99e_1330_b358,
        0x3fee_de6b_5579_fdbf,
        0x3fee_e36b_bfd3_f37a,
        0x3fee_e89f_995a_d3ad,
        0x3fee_ee07_298d_b666,
        0x3fee_f3a2_b84f_15fb,
        0x3fee_f972_8de5_593a,
        0x3fee_ff76_f2fb_5e47,
        0x3fef_05b0_30a1_064a,
        0x3fef_0c1e_904b_c1d2,
        0x3fef_12c2_5bd7_1e09,
        0x3fef_199b_dd85_529c,
        0x3fef_20ab_5fff_d07a,
        0x3fef_27f1_2e57_d14b,
        0x3fef_2f6d_9406_e7b5,
        0x3fef_3720_dcef_9069,
        0x3fef_3f0b_555d_c3fa,
        0x3fef_472d_4a07_897c,
        0x3fef_4f87_080d_89f2,
        0x3fef_5818_dcfb_a487,
        0x3fef_60e3_16c9_8398,
        0x3fef_69e6_03db_3285,
        0x3fef_7321_f301_b460,
        0x3fef_7c97_337b_9b5f,
        0x3fef_8646_14f5_a129,
        0x3fef_902e_e78b_3ff6,
        0x3fef_9a51_fbc7_4c83,
        0x3fef_a4af_a2a4_90da,
        0x3fef_af48_2d8e_67f1,
        0x3fef_ba1b_ee61_5a27,
        0x3fef_c52b_376b_ba97,
        0x3fef_d076_5b6e_4540,
        0x3fef_dbfd_ad9c_be14,
        0x3fef_e7c1_819e_90d8,
        0x3fef_f3c2_2b8f_71f1,
    ];

    /// The `ln` reduction: `x = 2^k z` with `z` in [OFF, 2 OFF), OFF =
    /// 0.6855 chosen so that 1 lies in the middle of one of the 128
    /// intervals below (whose `c` is then exactly 1, and `ln(x)` near 1 is
    /// the polynomial alone, without cancellation).
    pub(super) const LOG_OFF: u64 = 0x3fe5_f000_0000_0000;

    /// The 128 intervals of `z` ([`LOG_OFF`]) by the top 7 bits of the
    /// mantissa of `z - OFF`: for interval `i`, `LOG_INVC[i]` is `1/c` for
    /// a `c` within 2^-27 of the interval's centre (exactly 1 for the
    /// interval that holds 1), so that `r = z * invc - 1`, one fused
    /// multiply-add, is `z/c - 1` rounded once, with `|r| <= 2^-8`; and
    /// `LOG_LOGC[i]` is `ln(c)`, a multiple of 2^-43 within 2^-63 of it, so
    /// that `k ln2_hi + ln(c)` is exact in float64.  ARM's construction for
    /// glibc's `log` (optimized-routines `log_data.c`): search the
    /// multiples `L` of 2^-43 near the centre's logarithm for one whose
    /// `1/exp(L)`, rounded to float64, has a logarithm within 2^-63 of
    /// `-L`.  Computed with mpmath at 40 digits.
    pub(super) const LOG_INVC: [u64; 128] = [
        0x3ff7_45d1_729f_b853,
        0x3ff7_2428_7c94_2a38,
        0x3ff7_02e0_5ac7_15af,
        0x3ff6_e1f7_6c76_8e80,
        0x3ff6_c16c_145e_1054,
        0x3ff6_a13c_ceed_fba8,
        0x3ff6_8168_194c_7941,
        0x3ff6_61ec_6c82_f584,
        0x3ff6_42c8_5ab7_d7b5,
        0x3ff6_23fa_7566_4c07,
        0x3ff6_0581_6299_6cb2,
        0x3ff5_e75b_b882_8328,
        0x3ff5_c988_2c1b_c64b,
        0x3ff5_ac05_6d4f_4f8c,
        0x3ff5_8ed2_3049_e0b6,
        0x3ff5_71ed_3a6d_f6d8,
        0x3ff5_5555_52bf_f97a,
        0x3ff5_3909_4738_6c7e,
        0x3ff5_1d07_ed24_4370,
        0x3ff5_0150_1291_8b57,
        0x3ff4_e5e0_a876_4f84,
        0x3ff4_cab8_86e6_260c,
        0x3ff4_afd6_a268_2414,
        0x3ff4_9539_e14d_2332,
        0x3ff4_7ae1_49e2_32a5,
        0x3ff4_60cb_c5cd_7903,
        0x3ff4_46f8_6315_b67c,
        0x3ff4_2d66_262b_2aae,
        0x3ff4_1414_15cc_7633,
        0x3ff3_fb01_409f_85b5,
        0x3ff3_e22c_bef3_f4b6,
        0x3ff3_c995_a2bc_4095,
        0x3ff3_b13b_114f_e367,
        0x3ff3_991c_2e32_1785,
        0x3ff3_8138_142a_15b7,
        0x3ff3_698d_f333_016f,
        0x3ff3_521c_fcd9_64de,
        0x3ff3_3ae4_5c0a_60af,
        0x3ff3_23e3_49a1_c295,
        0x3ff3_0d19_023b_ec78,
        0x3ff2_f684_bb9a_6d61,
        0x3ff2_e025_c13f_c1d6,
        0x3ff2_c9fb_4ecc_bd73,
        0x3ff2_b404_ad73_f0b0,
        0x3ff2_9e41_2b6d_9e3e,
        0x3ff2_88b0_142a_fc59,
        0x3ff2_7350_b653_b14c,
        0x3ff2_5e22_6eac_0828,
        0x3ff2_4924_946b_5d13,
        0x3ff2_3456_782c_3530,
        0x3ff2_1fb7_82cd_109c,
        0x3ff2_0b47_0a3a_982b,
        0x3ff1_f704_7ea4_2138,
        0x3ff1_e2ef_3d1f_9860,
        0x3ff1_cf06_ac85_4c07,
        0x3ff1_bb4a_41ea_80d1,
        0x3ff1_a7b9_5fd1_edb0,
        0x3ff1_9453_7e65_7e15,
        0x3ff1_8118_10cd_15d2,
        0x3ff1_6e06_88ed_bf9b,
        0x3ff1_5b1e_5e42_63e3,
        0x3ff1_485f_0e19_f211,
        0x3ff1_35c8_10e0_0704,
        0x3ff1_2358_e761_599d,
        0x3ff1_1111_12ef_8f55,
        0x3ff0_fef0_0f1a_3ffc,
        0x3ff0_ecf5_6bc1_9ae2,
        0x3ff0_db20_a699_3d99,
        0x3ff0_c971_5039_0d02,
        0x3ff0_b7e6_ed1e_a111,
        0x3ff0_a681_08eb_9086,
        0x3ff0_953f_39d1_3e70,
        0x3ff0_8421_0657_5061,
        0x3ff0_7326_0bfd_5ad0,
        0x3ff0_624d_d105_a2a5,
        0x3ff0_5197_f91c_3cfe,
        0x3ff0_4104_0f6e_c9c6,
        0x3ff0_3091_b58a_e771,
        0x3ff0_2040_8074_1670,
        0x3ff0_1010_115d_b328,
        0x3ff0_0000_0000_0000,
        0x3fef_c07f_001c_9f90,
        0x3fef_81f8_208f_5aa5,
        0x3fef_4465_9b2b_b355,
        0x3fef_07c1_ed84_6665,
        0x3fee_cc07_b26b_be66,
        0x3fee_9131_a9d5_7fd2,
        0x3fee_573a_c91f_cdda,
        0x3fee_1e1e_21b4_420a,
        0x3fed_e5d6_e5a9_662d,
        0x3fed_ae60_78e0_3602,
        0x3fed_77b6_526c_4169,
        0x3fed_41d4_1ace_3826,
        0x3fed_0cb5_8eef_1e50,
        0x3fec_d856_8c3d_f798,
        0x3fec_a4b3_045c_7a8c,
        0x3fec_71c7_19d4_976f,
        0x3fec_3f8f_0333_c8b0,
        0x3fec_0e07_05ec_14ae,
        0x3feb_dd2b_8c07_29b7,
        0x3feb_acf9_126c_f346,
        0x3feb_7d6c_3b76_4b7b,
        0x3feb_4e81_b764_d66d,
        0x3feb_2036_4136_997a,
        0x3fea_f286_ba55_878b,
        0x3fea_c570_1bfc_4006,
        0x3fea_98ef_60c9_0bda,
        0x3fea_6d01_a564_0bc8,
        0x3fea_41a4_187e_9eea,
        0x3fea_16d3_f72d_ac4f,
        0x3fe9_ec8e_9233_74a6,
        0x3fe9_c2d1_4f59_517a,
        0x3fe9_9999_9b6b_c53a,
        0x3fe9_70e4_f9b4_61b4,
        0x3fe9_48b0_faaf_c486,
        0x3fe9_20fb_46f0_cad7,
        0x3fe8_f9c1_9078_5d4d,
        0x3fe8_d301_8bd0_e5b9,
        0x3fe8_acb9_0f84_9464,
        0x3fe8_86e5_eee3_2147,
        0x3fe8_6186_1a77_f92a,
        0x3fe8_3c97_7ab7_5d27,
        0x3fe8_1818_1958_54db,
        0x3fe7_f405_fc69_e48b,
        0x3fe7_d05f_42ab_28a1,
        0x3fe7_ad22_0813_f918,
        0x3fe7_8a4c_8147_74ef,
        0x3fe7_67dc_e530_74fd,
    ];

    /// `ln(1/LOG_INVC[i])` to 2^-63, a multiple of 2^-43 ([`LOG_INVC`]).
    pub(super) const LOG_LOGC: [u64; 128] = [
        0xbfd7_fafa_370f_5000,
        0xbfd7_9e26_6106_c000,
        0xbfd7_41d8_7340_3000,
        0xbfd6_e60e_ea0a_b000,
        0xbfd6_8ac8_37e4_f800,
        0xbfd6_3003_0473_b800,
        0xbfd5_d5bd_e74a_d800,
        0xbfd5_7bf7_5a0f_4800,
        0xbfd5_22ae_0c09_3000,
        0xbfd4_c9e0_9972_e000,
        0xbfd4_718d_c8ff_a800,
        0xbfd4_19b4_22f3_4000,
        0xbfd3_c252_78c4_c800,
        0xbfd3_6b67_7d8c_4800,
        0xbfd3_14f1_e12e_b000,
        0xbfd2_bef0_773c_c000,
        0xbfd2_6962_0974_c800,
        0xbfd2_1445_67d4_e000,
        0xbfd1_bf99_6a30_5800,
        0xbfd1_6b5c_c440_7000,
        0xbfd1_178e_8612_3800,
        0xbfd0_c42d_669d_d000,
        0xbfd0_7138_66bf_8800,
        0xbfd0_1eae_4eb2_a000,
        0xbfcf_991c_7a79_7000,
        0xbfce_f5ad_d74f_a000,
        0xbfce_530e_f160_2000,
        0xbfcd_b13d_b2f6_6000,
        0xbfcd_1037_fd5c_d000,
        0xbfcc_6ffb_ccee_0000,
        0xbfcb_d087_457e_5000,
        0xbfcb_31d8_4c0d_9000,
        0xbfca_93ed_2d12_2000,
        0xbfc9_f6c4_14bf_c000,
        0xbfc9_5a5a_e14b_3000,
        0xbfc8_beaf_e6d1_5000,
        0xbfc8_23c1_7071_e000,
        0xbfc7_898d_89e9_6000,
        0xbfc6_f012_87df_3000,
        0xbfc6_574e_c58e_b000,
        0xbfc5_bf40_5da6_a000,
        0xbfc5_27e5_eb1a_1000,
        0xbfc4_913d_8c06_8000,
        0xbfc3_fb45_a8aa_a000,
        0xbfc3_65fc_baa7_3000,
        0xbfc2_d161_17cf_6000,
        0xbfc2_3d71_1b2e_6000,
        0xbfc1_aa2b_7162_d000,
        0xbfc1_178e_9117_7000,
        0xbfc0_8598_b295_1000,
        0xbfbf_e891_516c_6000,
        0xbfbe_c739_6429_6000,
        0xbfbd_a727_7027_2000,
        0xbfbc_8858_1c90_8000,
        0xbfbb_6ac8_7da9_8000,
        0xbfba_4e76_585b_6000,
        0xbfb9_335e_4abd_4000,
        0xbfb8_197e_0fe6_e000,
        0xbfb7_00d3_00a2_2000,
        0xbfb5_e95a_48bb_8000,
        0xbfb4_d311_4b73_c000,
        0xbfb3_bdf5_a8b2_4000,
        0xbfb2_aa04_9f4b_8000,
        0xbfb1_973b_d184_8000,
        0xbfb0_8598_d1a7_a000,
        0xbfae_ea31_86fd_8000,
        0xbfac_cb73_c97e_4000,
        0xbfaa_aef2_9569_c000,
        0xbfa8_94aa_236b_c000,
        0xbfa6_7c95_109e_c000,
        0xbfa4_66ae_a679_8000,
        0xbfa2_52f3_48a9_8000,
        0xbfa0_415d_4e7a_0000,
        0xbf9c_63d3_5670_0000,
        0xbf98_4924_b0a9_0000,
        0xbf94_32a9_7544_0000,
        0xbf90_2056_24d7_0000,
        0xbf88_2448_d8ac_0000,
        0xbf80_1015_2f20_0000,
        0xbf70_0806_a5ae_0000,
        0x0000_0000_0000_0000,
        0x3f7f_e02b_5ca4_0000,
        0x3f8f_c0a8_6c96_0000,
        0x3f97_b91b_6dfe_8000,
        0x3f9f_829b_7067_0000,
        0x3fa3_9e87_c3bf_8000,
        0x3fa7_7459_197a_c000,
        0x3fab_42dd_6f20_c000,
        0x3faf_0a30_8319_0000,
        0x3fb1_6536_e029_0000,
        0x3fb3_41d7_838e_0000,
        0x3fb5_1b07_52f9_a000,
        0x3fb6_f0d2_a059_0000,
        0x3fb8_c345_da96_6000,
        0x3fba_926d_1da4_e000,
        0x3fbc_5e54_9861_4000,
        0x3fbe_2707_85b1_a000,
        0x3fbf_ec91_24d6_a000,
        0x3fc0_d77e_71cb_7000,
        0x3fc1_b72a_c9ee_8000,
        0x3fc2_9553_02e8_1000,
        0x3fc3_71fc_2b3f_c000,
        0x3fc4_4d2b_6122_d000,
        0x3fc5_26e5_dfe8_1000,
        0x3fc5_ff30_7b91_5000,
        0x3fc6_d60f_e14b_c000,
        0x3fc7_ab89_0049_5000,
        0x3fc8_7fa0_6c04_3000,
        0x3fc9_525a_a58b_1000,
        0x3fca_23bc_2b2a_a000,
        0x3fca_f3c9_5ca2_b000,
        0x3fcb_c286_71e9_c000,
        0x3fcc_8ff7_be7f_c000,
        0x3fcd_5c21_62fc_3000,
        0x3fce_2707_7911_2000,
        0x3fce_f0ad_da81_d000,
        0x3fcf_b918_68f5_6000,
        0x3fd0_4025_983e_4000,
        0x3fd0_a324_e233_b000,
        0x3fd1_058b_fe55_a000,
        0x3fd1_675c_a630_b800,
        0x3fd1_c898_c15d_6800,
        0x3fd2_2941_f87c_d800,
        0x3fd2_895a_1573_9800,
        0x3fd2_e8e2_b7b5_2000,
        0x3fd3_47dd_9cc2_8000,
        0x3fd3_a64c_55ef_0000,
        0x3fd4_0430_83d6_2800,
    ];

    /// `(ln(1 + r) - r) / r^2` on `|r| <= 2^-8`: a Chebyshev fit of degree 5
    /// (error 1.4e-17, that is 5e-20 relative to `ln(1 + r)`), lowest
    /// degree first.
    const LOG_POLY: [f64; 6] = [
        f64::from_bits(0xbfe0_0000_0000_0000), // r^2: -0.5
        f64::from_bits(0x3fd5_5555_5555_5556), // r^3: 0.33333333333333337
        f64::from_bits(0xbfcf_ffff_fff6_ff0a), // r^4: -0.24999999998362227
        f64::from_bits(0x3fc9_9999_9991_98be), // r^5: 0.199999999985442
        f64::from_bits(0xbfc5_556d_56a5_87e1), // r^6: -0.16666952830115547
        f64::from_bits(0x3fc2_4939_e8c9_c142), // r^7: 0.1428596865330381
    ];

    /// `ln(x) = k ln2 + ln(c) + ln(1 + r)` for positive, normal, finite
    /// `x` (others: garbage), after glibc's `log` (ARM's optimized-routines
    /// algorithm, with a table of its own): returns `hi` and `lo` with
    /// `ln(x) = hi + lo` to about 2^-66 relative, plus `r`, `invc` and `k`
    /// (for `log1p`'s correction).  Needs a fused multiply-add (without
    /// one, `z * invc - 1` loses the low bits of `r`).
    #[inline(always)]
    fn ln_parts(x: V) -> (V, V, V, V, V) {
        let ix = x.to_bits();
        let tmp = ix - su(LOG_OFF);
        // k = tmp >> 52 as a signed 12-bit integer.
        let kd = u_to_f((tmp >> 52) ^ su(0x800)) - sp(2048.0);
        let z = V::from_bits(ix - (tmp & su(0xfff << 52)));
        let idx = tmp >> 45;
        let invc = V::from_bits(lookup(&LOG_INVC, idx));
        let logc = V::from_bits(lookup(&LOG_LOGC, idx));
        let r = z.mul_add(invc, sp(-1.0));
        // w = k ln2_hi + ln(c) is exact (the tables are built for it), and
        // hi + lo = w + r exactly (fast two-sum: |w| >= |r| unless w = 0).
        let w = kd.mul_add(sp(LN2_HI), logc);
        let hi = w + r;
        let lo = kd.mul_add(sp(LN2_LO), (w - hi) + r);
        let r2 = r * r;
        let a = |i: usize| sp(LOG_POLY[i]);
        let (a0, a1, a2, a3, a4, a5) = (a(0), a(1), a(2), a(3), a(4), a(5));
        let q = r2.mul_add(a5, a4.mul_add(r, a3));
        let p = r2.mul_add(q, a2.mul_add(r, a1));
        let lo = r2.mul_add(a0, (r * r2).mul_add(p, lo));
        (hi, lo, r, invc, kd)
    }

    /// `exp(x)` for `x` in [-708, 709]: glibc's
    /// algorithm (ARM's optimized-routines `exp`, with its polynomial
    /// coefficients), so that results agree with glibc's bit for bit in all
    /// but rare cases: `x = (128 m + j) ln2/128 + r` with `|r| <= ln2/256`,
    /// `exp(x) = 2^m H[j] (1 + T[j] + r + r^2/2 + ... + r^5/120)`, the last
    /// step `scale + scale * tmp` rounding once with FMA (0.509 ULP; 0.511
    /// without FMA).  Other lanes: some finite value or NaN.
    #[inline(always)]
    pub fn exp_raw(x: V) -> V {
        const SHIFT: f64 = 6755399441055744.0; // 1.5 * 2^52
        const INVLN2N: f64 = f64::from_bits(0x4067_1547_652b_82fe); // 128/ln2
        const NEG_LN2_HI_N: f64 = f64::from_bits(0xbf76_2e42_fefa_0000); // -ln2/128, high part
        const NEG_LN2_LO_N: f64 = f64::from_bits(0xbd0c_f79a_bc9e_3b3a); // and low part
        const C2: f64 = f64::from_bits(0x3fdf_ffff_ffff_fdbd);
        const C3: f64 = f64::from_bits(0x3fc5_5555_5555_543c);
        const C4: f64 = f64::from_bits(0x3fa5_5555_cf17_2b91);
        const C5: f64 = f64::from_bits(0x3f81_1111_67a4_d017);
        // k = round(x * 128/ln2), in the low bits of kb.
        let kb = x.mul_add(sp(INVLN2N), sp(SHIFT));
        let k = kb - sp(SHIFT);
        let ki = kb.to_bits();
        let r = k.mul_add(sp(NEG_LN2_LO_N), k.mul_add(sp(NEG_LN2_HI_N), x));
        let (tail, sbits) = exp_table(ki);
        let sbits = sbits + (ki << 45);
        let r2 = r * r;
        let tmp = (r2 * r2).mul_add(
            r.mul_add(sp(C5), sp(C4)),
            r2.mul_add(r.mul_add(sp(C3), sp(C2)), tail + r),
        );
        let scale = V::from_bits(sbits);
        // glibc's path for x <= -512 scales up by 2^1022, adds the product
        // unfused (it reuses it), and scales back down; the scaling keeps
        // the product out of the subnormal range.
        // It runs only when a lane needs it: in the other lanes `up` is
        // garbage whose products can be subnormal, and subnormal results
        // cost a microcode assist each (computing it always made `exp(x)`
        // for x in [3, 4] 6x slower).
        let low = || {
            let up = V::from_bits(sbits + su(1022 << 52));
            (up + up * tmp) * sp(f64::MIN_POSITIVE)
        };
        select_lazy(x.simd_le(sp(-512.0)), low, scale.mul_add(tmp, scale))
    }

    /// The two table entries for the index in the low 7 bits of each lane
    /// of `ki`.
    #[inline(always)]
    fn exp_table(ki: U) -> (V, U) {
        (V::from_bits(lookup(&EXP_TAIL, ki)), lookup(&EXP_SBITS, ki))
    }

    /// `exp` ([`exp_raw`]); lanes outside [-708, 709] (overflow, subnormal
    /// and zero results, infinities, NaN) go to the scalar function.
    #[inline(always)]
    pub fn exp(x: V) -> (V, V) {
        let ok = x.simd_ge(sp(-708.0)) & x.simd_le(sp(709.0));
        (exp_raw(x), !ok)
    }

    /// `r`, but `x` itself where `|x| < 2^-54`: `expm1` and `log1p` of such
    /// `x` round to `x` (glibc returns it, keeping -0 and subnormals).
    #[inline(always)]
    fn identity_below_2pow_m54(x: V, r: V) -> V {
        x.abs().simd_lt(sp(5.551115123125783e-17)).select(x, r)
    }

    /// fdlibm's `expm1` (s_expm1.c), each branch computed when a lane takes it.
    /// Valid for finite `x <= 709.78`; `x < -38.8` gives -1.
    #[inline(always)]
    pub fn expm1_raw(x: V) -> V {
        const Q1: f64 = -3.333_333_333_333_313_164_28e-2;
        const Q2: f64 = 1.587_301_587_254_814_601_65e-3;
        const Q3: f64 = -7.936_507_578_674_879_424_73e-5;
        const Q4: f64 = 4.008_217_827_329_362_395_52e-6;
        const Q5: f64 = -2.010_992_181_836_243_713_26e-7;
        let one = sp(1.0);
        // glibc takes k = 0 while the high word of |x| is at most 0x3fd62e42.
        let k = (x * sp(INVLN2)).round_ties_even();
        let k = x
            .abs()
            .simd_lt(sp(f64::from_bits(0x3fd6_2e43_0000_0000)))
            .select(sp(0.0), k);
        let hi = k.mul_neg_add(sp(LN2_HI), x);
        let lo = k * sp(LN2_LO);
        let xr = hi - lo;
        let c = (hi - xr) - lo;
        // The polynomial and the steps below are glibc's, with `mul_add`
        // where glibc's FMA build (the one it runs on FMA machines) fuses.
        let hfx = sp(0.5) * xr;
        let hxs = xr * hfx;
        let r1 = hxs.mul_add(sp(Q1), one);
        let h2 = hxs * hxs;
        let r2 = hxs.mul_add(sp(Q3), sp(Q2));
        let h4 = h2 * h2;
        let r3 = hxs.mul_add(sp(Q5), sp(Q4));
        let r1 = h4.mul_add(r3, h2.mul_add(r2, r1));
        let t = r1.mul_neg_add(hfx, sp(3.0));
        let e = hxs * ((r1 - t) / xr.mul_neg_add(t, sp(6.0)));
        let res0 = xr - xr.mul_sub(e, hxs);
        let k0 = k.simd_eq(sp(0.0));
        // Each branch other than k = 0 is computed only when a lane takes
        // it ([`select_lazy`]).
        let r = if k0.all() {
            res0
        } else {
            let e = (e - c).mul_sub(xr, c) - hxs;
            let far = || {
                // 2^k as 2^(k-1) * 2 so that k = 1024 works; k >= -60 here.
                let kc = k.max(sp(-60.0));
                let half_twopk = pow2(kc - one);
                let scale = |y: V| y * half_twopk * sp(2.0);
                let y_far = scale(one - (e - xr)) - one;
                let twomk = pow2(-kc.min(sp(1000.0)));
                let y_small = scale((one - twomk) - (e - xr));
                let y_mid = scale((xr - (e + twomk)) + one);
                let r = k.simd_lt(sp(20.0)).select(y_small, y_mid);
                or(k.simd_le(sp(-2.0)), k.simd_gt(sp(56.0))).select(y_far, r)
            };
            let r = select_lazy(k.abs().simd_ge(sp(2.0)), far, sp(0.0));
            let res_p1 = || {
                xr.simd_lt(sp(-0.25)).select(
                    sp(-2.0) * (e - (xr + sp(0.5))),
                    (xr - e).mul_add(sp(2.0), one),
                )
            };
            let r = select_lazy(k.simd_eq(sp(1.0)), res_p1, r);
            let res_m1 = || (xr - e).mul_add(sp(0.5), sp(-0.5));
            let r = select_lazy(k.simd_eq(sp(-1.0)), res_m1, r);
            let r = k0.select(res0, r);
            x.simd_lt(sp(-38.8)).select(sp(-1.0), r)
        };
        identity_below_2pow_m54(x, r)
    }

    /// `expm1` (fdlibm, < 1 ULP); NaN and `x > 709` go to the scalar
    /// function.
    #[inline(always)]
    pub fn expm1(x: V) -> (V, V) {
        (expm1_raw(x), !x.simd_le(sp(709.0)))
    }

    /// `ln`: with FMA the table core [`ln_parts`]; zero, negative,
    /// subnormal and non-finite inputs go to the scalar function.  Without
    /// FMA wide's `ln` (1 ULP), with subnormal inputs (which wide treats as
    /// zero) to the scalar function.
    #[inline(always)]
    pub fn ln(x: V) -> (V, V) {
        let bad = if FMA {
            not_positive_normal(x)
        } else {
            subnormal(x)
        };
        (ln_positive(x), bad)
    }

    /// `ln` of positive, normal, finite `x`: the table core
    /// [`ln_parts`] with FMA (1 ULP, equal to glibc's on 99% of inputs),
    /// wide's `ln` without.
    #[inline(always)]
    fn ln_positive(x: V) -> V {
        if FMA {
            let (hi, lo, ..) = ln_parts(x);
            hi + lo
        } else {
            x.ln()
        }
    }

    /// Lanes holding a nonzero subnormal.
    #[inline(always)]
    fn subnormal(x: V) -> V {
        let a = x.abs();
        a.simd_lt(sp(f64::MIN_POSITIVE)) & a.simd_ne(sp(0.0))
    }

    /// Lanes that are not positive, finite and normal.
    #[inline(always)]
    fn not_positive_normal(x: V) -> V {
        !(x.simd_ge(sp(f64::MIN_POSITIVE)) & x.simd_le(sp(f64::MAX)))
    }

    /// Splits positive normal `x` into its unbiased exponent (as a float)
    /// and its mantissa in [1, 2).
    #[inline(always)]
    fn frexp1(x: V) -> (V, V) {
        let b = x.to_bits();
        let e = u_to_f(b >> 52) - sp(1023.0);
        let m = V::from_bits((b & su(0x000f_ffff_ffff_ffff)) | su(0x3ff0_0000_0000_0000));
        (e, m)
    }

    /// `log10` with glibc's formula (e_log10.c):
    /// `k*log10_2hi + (k*log10_2lo + ivln10*ln(m))`, `m` in [1, 2) for
    /// `k >= 0` and in [1/2, 1) below.  Zero, negative, subnormal and
    /// non-finite inputs go to the scalar function.
    #[inline(always)]
    pub fn log10(x: V) -> (V, V) {
        const IVLN10: f64 = f64::from_bits(0x3fdb_cb7b_1526_e50e);
        const LOG10_2HI: f64 = f64::from_bits(0x3fd3_4413_509f_6000);
        const LOG10_2LO: f64 = f64::from_bits(0x3d59_fef3_11f1_2b36);
        let (e, m) = frexp1(x);
        let neg = e.simd_lt(sp(0.0));
        let m = neg.select(m * sp(0.5), m);
        let k = neg.select(e + sp(1.0), e);
        let z = k * sp(LOG10_2LO) + sp(IVLN10) * ln_positive(m);
        (z + k * sp(LOG10_2HI), not_positive_normal(x))
    }

    /// `log2 = k + ln(m)/ln 2` with `m` in [sqrt(1/2), sqrt(2)), exact for
    /// powers of two; with FMA `ln(m)` is the sum [`ln_parts`] returns,
    /// divided by ln 2 in double-float64 precision.  Zero, negative,
    /// subnormal and non-finite inputs go to the scalar function.
    #[inline(always)]
    pub fn log2(x: V) -> (V, V) {
        const IVLN2HI: f64 = 1.442_695_040_721_446_275_71;
        const IVLN2LO: f64 = 1.675_171_316_488_651_183_53e-10;
        let (e, m) = frexp1(x);
        let big = m.simd_gt(sp(std::f64::consts::SQRT_2));
        let m = big.select(m * sp(0.5), m);
        let k = big.select(e + sp(1.0), e);
        if FMA {
            // log2(m) = (hi + lo)/ln2 as p_hi + p_lo (the product's
            // rounding error by FMA), then k + p_hi by fast two-sum
            // (|p_hi| <= 1/2 <= |k| unless k = 0).
            const INVLN2_LO: f64 = f64::from_bits(0x3c77_77d0_ffda_0d24);
            let (hi, lo, ..) = ln_parts(m);
            let p_hi = hi * sp(INVLN2);
            let p_lo = hi.mul_add(sp(INVLN2), -p_hi) + hi.mul_add(sp(INVLN2_LO), lo * sp(INVLN2));
            let s = k + p_hi;
            return (s + (((k - s) + p_hi) + p_lo), not_positive_normal(x));
        }
        let l = m.ln();
        let p = l * sp(IVLN2HI) + l * sp(IVLN2LO);
        (k + p, not_positive_normal(x))
    }

    /// `log1p`: with FMA, `ln(u) + e/u` for `u = 1 + x` rounded and its
    /// rounding error `e` (exact, by Knuth's two-sum), `ln(u)` by
    /// [`ln_parts`] and `1/u = invc 2^-k / (1 + r)` to first order in `r`
    /// (the correction is below an ulp of `u`, so its own relative error
    /// `r^2 <= 2^-16` does not show); `|x| < 2^-54` returns `x`, and
    /// `x <= -1`, NaN and infinities go to the scalar function.  Without
    /// FMA wide's `ln_1p` (2 ULP), which handles every input.
    #[inline(always)]
    pub fn log1p(x: V) -> (V, V) {
        if !FMA {
            return (x.ln_1p(), sp(0.0));
        }
        let one = sp(1.0);
        let u = x + one;
        let xu = u - one;
        let e = (one - (u - xu)) + (x - xu);
        let (hi, lo, r, invc, kd) = ln_parts(u);
        let eu = e * invc * pow2(-kd.min(sp(1022.0)));
        let lo = lo + (eu - eu * r);
        let y = identity_below_2pow_m54(x, hi + lo);
        (y, !(x.simd_gt(sp(-1.0)) & x.simd_le(sp(f64::MAX))))
    }

    /// Reduces `x` modulo pi/2: `|x| = y*pi/2 + r`, with `r` in about
    /// [-pi/4, pi/4] and the quadrant `y` (low bits as an integer).  Lanes
    /// whose reduction may lose accuracy (huge `|x|`, `r` very close to a
    /// multiple of pi/2, NaN, infinities) are flagged.
    #[inline(always)]
    fn reduce_pio2(x: V) -> (V, U, V) {
        // pi/2 = DP1 + DP2 + DP3; DP1 and DP2 have 25 and 24 significant
        // bits, so y*DP1 and y*DP2 are exact for y < 2^28 even without FMA.
        const DP1: f64 = 7.853_981_554_508_209_228_515_625e-1 * 2.0;
        const DP2: f64 = 7.946_627_356_147_928_367_14e-9 * 2.0;
        const DP3: f64 = 3.061_616_997_868_382_943_07e-17 * 2.0;
        let limit = if FMA { 6.8719476736e10 } else { 268435456.0 }; // 2^36, 2^28
        let xa = x.abs();
        let (y, q) = round_bits(xa * sp(std::f64::consts::FRAC_2_PI));
        let r = y.mul_neg_add(sp(DP3), y.mul_neg_add(sp(DP2), y.mul_neg_add(sp(DP1), xa)));
        // The reduction error is about y * 2^-106 plus an ulp of r: keep
        // it far below an ulp of r.
        let bad = or(
            !xa.simd_le(sp(limit)),
            r.abs().simd_lt(y * sp(8.881784197001252e-16)),
        );
        (r, q, bad)
    }

    /// sin and cos polynomials (Cephes) on the reduced argument.
    #[inline(always)]
    fn sin_cos_poly(r: V) -> (V, V) {
        const S: [f64; 6] = [
            -1.666_666_666_666_663_072_95e-1,
            8.333_333_333_322_118_588_78e-3,
            -1.984_126_982_958_953_859_96e-4,
            2.755_731_362_138_572_452_13e-6,
            -2.505_074_776_285_780_728_66e-8,
            1.589_623_015_765_465_680_60e-10,
        ];
        const C: [f64; 6] = [
            4.166_666_666_666_659_292_18e-2,
            -1.388_888_888_887_305_641_16e-3,
            2.480_158_728_885_170_453_48e-5,
            -2.755_731_417_929_673_881_12e-7,
            2.087_570_084_197_473_167_78e-9,
            -1.135_853_652_138_768_173_00e-11,
        ];
        let z = r * r;
        let poly = |c: &[f64; 6]| {
            let z2 = z * z;
            let a = sp(c[1]).mul_add(z, sp(c[0]));
            let b = sp(c[3]).mul_add(z, sp(c[2]));
            let d = sp(c[5]).mul_add(z, sp(c[4]));
            d.mul_add(z2, b).mul_add(z2, a)
        };
        let s = (r * z).mul_add(poly(&S), r);
        let c = (z * z).mul_add(poly(&C), z.mul_neg_add(sp(0.5), sp(1.0)));
        (s, c)
    }

    /// `sin` (Cephes polynomials, 2 ULP).
    #[inline(always)]
    pub fn sin(x: V) -> (V, V) {
        let (r, q, bad) = reduce_pio2(x);
        let (s, c) = sin_cos_poly(r);
        let v = odd(q).select(c, s);
        let sign = V::from_bits((q & su(2)) << 62) ^ (x & sp(-0.0));
        (v ^ sign, bad)
    }

    /// `cos` (Cephes polynomials, 2 ULP).
    #[inline(always)]
    pub fn cos(x: V) -> (V, V) {
        let (r, q, bad) = reduce_pio2(x);
        let (s, c) = sin_cos_poly(r);
        let v = odd(q).select(s, c);
        let sign = V::from_bits(((q + su(1)) & su(2)) << 62);
        (v ^ sign, bad)
    }

    /// `tan` (Cephes rational function on [-pi/4, pi/4], `-1/tan` in odd
    /// quadrants).
    #[inline(always)]
    pub fn tan(x: V) -> (V, V) {
        const P: [f64; 3] = [
            -1.795_652_519_764_848_779_88e7,
            1.153_516_648_385_874_161_40e6,
            -1.309_369_391_813_837_776_46e4,
        ];
        const Q: [f64; 4] = [
            -5.386_957_559_294_546_298_81e7,
            2.500_838_018_233_579_158_39e7,
            -1.320_892_344_402_109_674_47e6,
            1.368_129_634_706_929_546_78e4,
        ];
        let (r, q, bad) = reduce_pio2(x);
        let z = r * r;
        let px = sp(P[2]).mul_add(z, sp(P[1])).mul_add(z, sp(P[0]));
        let qx = (z + sp(Q[3]))
            .mul_add(z, sp(Q[2]))
            .mul_add(z, sp(Q[1]))
            .mul_add(z, sp(Q[0]));
        let t = (px / qx).mul_add(r * z, r);
        let t = odd(q).select(sp(-1.0) / t, t);
        (t ^ (x & sp(-0.0)), bad)
    }

    /// `sinh` with glibc's formulas (fdlibm e_sinh.c): `x` below 2^-28,
    /// `(2t - t^2/(t+1))/2` below 1 and `(t + t/(t+1))/2` below 22 with
    /// `t = expm1(|x|)`, `exp(|x|)/2` above; `|x| >= 709` and NaN go to the
    /// scalar function.
    #[inline(always)]
    pub fn sinh(x: V) -> (V, V) {
        let a = x.abs();
        let t = expm1_raw(a.min(sp(22.0)));
        let h = sp(0.5);
        let one = sp(1.0);
        let small = h * (sp(2.0) * t - t * t / (t + one));
        let mid = h * (t + t / (t + one));
        let r = select_lazy(a.simd_ge(sp(22.0)), || h * exp_raw(a), mid);
        let r = a.simd_lt(one).select(small, r);
        let r = a.simd_lt(sp(3.725290298461914e-9)).select(a, r);
        (with_sign_of(r, x), !a.simd_lt(sp(709.0)))
    }

    /// `cosh` with glibc's formulas (fdlibm e_cosh.c): 1 below 2^-55,
    /// `1 + t^2/(2(1+t))` with `t = expm1(|x|)` below about ln2/2,
    /// `exp(|x|)/2 + 1/(2 exp(|x|))` below 22, `exp(|x|)/2` above;
    /// `|x| >= 709` and NaN go to the scalar function.
    #[inline(always)]
    pub fn cosh(x: V) -> (V, V) {
        // glibc compares the high word of |x| with 0x3fd62e43.
        const HALF_LN2: f64 = f64::from_bits(0x3fd6_2e43_0000_0000);
        let a = x.abs();
        let e = exp_raw(a);
        let h = sp(0.5);
        let one = sp(1.0);
        let r = a.simd_lt(sp(22.0)).select(h * e + h / e, h * e);
        let near0 = a.simd_lt(sp(HALF_LN2));
        let small = || {
            let t = expm1_raw(a.min(sp(HALF_LN2)));
            let w = one + t;
            let small = one + (t * t) / (w + w);
            a.simd_lt(sp(2.7755575615628914e-17)).select(one, small)
        };
        let r = select_lazy(near0, small, r);
        (r, !a.simd_lt(sp(709.0)))
    }

    /// `tanh`, within 2 ULP: below 0.5625 the odd polynomial
    /// `x + x^3 P(x^2)` (`P` a degree-10 Chebyshev fit of
    /// `(tanh x - x)/x^3` in `x^2` over [0, 0.5625^2], 4e-18 relative error:
    /// `mpmath.chebyfit` at 60 digits, coefficients rounded), above it
    /// `1 - 2/(exp(2|x|) + 1)` with [`exp_raw`] (the result is at least
    /// 0.5 there, so the error of the small quotient stays below half an
    /// ulp of it), 1 from 22 on.  NaN goes to the scalar function.
    #[inline(always)]
    pub fn tanh(x: V) -> (V, V) {
        const P: [f64; 11] = [
            -0.3333333333333333,
            0.13333333333332392,
            -0.0539682539670594,
            0.021869488476962563,
            -0.008863234021529514,
            0.003592105532132769,
            -0.0014556239774192678,
            0.0005887537111834804,
            -0.00023410556936672797,
            8.426522203958066e-05,
            -2.0026740085317684e-05,
        ];
        let a = x.abs();
        let small = || {
            let s = a * a;
            let p = P[..10]
                .iter()
                .rev()
                .fold(sp(P[10]), |acc, &c| acc.mul_add(s, sp(c)));
            (a * s).mul_add(p, a)
        };
        let large = || {
            let e = exp_raw(sp(2.0) * a.min(sp(22.0)));
            sp(1.0) - sp(2.0) / (e + sp(1.0))
        };
        let below = a.simd_lt(sp(0.5625));
        let z = if below.all() {
            small()
        } else {
            select_lazy(below, small, large())
        };
        (with_sign_of(z, x), x.is_nan())
    }

    /// `asin`: wide's (2 ULP), every input handled.
    #[inline(always)]
    pub fn asin(x: V) -> (V, V) {
        (x.asin(), sp(0.0))
    }

    /// `acos`: wide's (2 ULP), every input handled.
    #[inline(always)]
    pub fn acos(x: V) -> (V, V) {
        (x.acos(), sp(0.0))
    }

    /// `atan`: wide's (1 ULP), every input handled.
    #[inline(always)]
    pub fn atan(x: V) -> (V, V) {
        (x.atan(), sp(0.0))
    }

    /// `atan2(y, x)`: Cephes' rational approximation of `atan` (as in
    /// `wide`'s `atan2`) with one division fewer; every pair handled.
    ///
    /// With `lo <= hi` the smaller and the larger of `|y|` and `|x|`, the
    /// angle of `(hi, lo)` is `atan(z)` with `z = lo/hi` when
    /// `lo < 0.66 hi`, and `pi/4 + atan(z)` with `z = (lo - hi)/(lo + hi)`
    /// above (`|z| < 0.21`, the terms halved from `hi >= 2^1023` on, where
    /// `lo + hi` would overflow); both quotients are taken in one division
    /// (`wide` first divides `lo/hi`, then rounds `(t - 1)/(t + 1)` from
    /// it).  The quadrant and the signs are then restored; both infinite
    /// is the angle of `(1, 1)`, both zero gives the signed zero or `pi`.
    #[inline(always)]
    pub fn atan2(y: V, x: V) -> (V, V) {
        const P: [f64; 5] = [
            -6.485021904942025371773E1,
            -1.228866684490136173410E2,
            -7.500855792314704667340E1,
            -1.615753718733365076637E1,
            -8.750608600031904122785E-1,
        ];
        const Q: [f64; 5] = [
            1.945506571482613964425E2,
            4.853903996359136964868E2,
            4.328810604912902668951E2,
            1.650270098316988542046E2,
            2.485846490142306297962E1,
        ];
        // pi/4 = PI_4 + PI_4_LO.
        const PI_4: f64 = std::f64::consts::FRAC_PI_4;
        const PI_4_LO: f64 = 3.061616997868382943065E-17;
        let (ax, ay) = (x.abs(), y.abs());
        let swap = ay.simd_gt(ax);
        let both_inf = x.is_inf() & y.is_inf();
        let hi = both_inf.select(sp(1.0), swap.select(ay, ax));
        let lo = both_inf.select(sp(1.0), swap.select(ax, ay));
        let mid = lo.simd_ge(sp(0.66) * hi);
        // lo + hi overflows from 2^1023 on: halve both terms there (exact).
        let half = hi
            .simd_ge(sp(8.98846567431158e307))
            .select(sp(0.5), sp(1.0));
        let z = mid.select((lo - hi) * half, lo) / mid.select(lo * half + hi * half, hi);
        // p(w) / q(w), degrees 4 and 5 (q monic) in w = z^2, evaluated as
        // `wide` evaluates them.
        let w = z * z;
        let (w2, w4) = (w * w, (w * w) * (w * w));
        let p = sp(P[3])
            .mul_add(w, sp(P[2]))
            .mul_add(w2, sp(P[1]).mul_add(w, sp(P[0])))
            + sp(P[4]) * w4;
        let q = w2.mul_add(
            w.mul_add(sp(Q[3]), sp(Q[2])),
            w4.mul_add(sp(Q[4]) + w, w.mul_add(sp(Q[1]), sp(Q[0]))),
        );
        let r = (p / q).mul_add(z * w, z);
        let r = mid.select((r + sp(PI_4_LO)) + sp(PI_4), r);
        let r = swap.select(sp(std::f64::consts::FRAC_PI_2) - r, r);
        let r = (x | y).simd_eq(sp(0.0)).select(sp(0.0), r);
        let r = x.is_sign_negative().select(sp(std::f64::consts::PI) - r, r);
        (y.is_sign_negative().select(-r, r), sp(0.0))
    }

    /// `expf` of float32 inputs held in float64 lanes, computed as glibc's
    /// FMA build computes it (ARM's optimized-routines `expf`: a 32-entry
    /// table, which is every fourth entry of [`EXP_SBITS`], and a cubic in
    /// double, with the same fused operations), so that the double
    /// results, and their float32 roundings, are glibc's.  Lanes with
    /// `|x| >= 88` (overflow and underflow bands), `x < -87` (results at
    /// or near the subnormal float32 range, below 2^-126 from
    /// -87.34), NaN and infinities are flagged.  Only used in FMA builds.
    #[inline(always)]
    pub fn expf(x: V) -> (V, V) {
        const SHIFT: f64 = 6755399441055744.0; // 1.5 * 2^52
        const INVLN2N: f64 = f64::from_bits(0x4047_1547_652b_82fe); // 32/ln2
        const C0: f64 = f64::from_bits(0x3ebc_6af8_4b91_2394); // 0x1.c6af84b912394p-5 / 32^3
        const C1: f64 = f64::from_bits(0x3f2e_bfce_50fa_c4f3); // 0x1.ebfce50fac4f3p-3 / 32^2
        const C2: f64 = f64::from_bits(0x3f96_2e42_ff0c_52d6); // 0x1.62e42ff0c52d6p-1 / 32
        // glibc's compiler fuses the product x * 32/ln2 into both its uses
        // (checked: with it unfused, 2 of the 2^32 results differ).
        let kb = x.mul_add(sp(INVLN2N), sp(SHIFT));
        let ki = kb.to_bits();
        let kd = kb - sp(SHIFT);
        let r = x.mul_add(sp(INVLN2N), -kd);
        let s = V::from_bits(lookup(&EXP_SBITS, (ki & su(31)) << 2) + (ki << 47));
        let zc = r.mul_add(sp(C0), sp(C1));
        let r2 = r * r;
        let y = r.mul_add(sp(C2), sp(1.0));
        let y = zc.mul_add(r2, y);
        (y * s, !(x.abs().simd_lt(sp(88.0)) & x.simd_ge(sp(-87.0))))
    }

    /// `sinf` (`cos` false) or `cosf` of float32 inputs held in float64
    /// lanes, computed as glibc's FMA build computes them (ARM's
    /// optimized-routines `sincosf`: the same thresholds, reduction,
    /// polynomial coefficients and fused operations), so that the double
    /// results, and their float32 roundings, are glibc's.  Lanes with
    /// `|x| >= 120` (glibc's large-argument reduction), NaN and infinities
    /// are flagged.  Only used in FMA builds.
    #[inline(always)]
    pub fn sincosf(x: V, cos: bool) -> (V, V) {
        const HPI_INV: f64 = f64::from_bits(0x4164_5f30_6dc9_c883); // 2^24 * 2/pi
        const HPI: f64 = f64::from_bits(0x3ff9_21fb_5444_2d18); // pi/2
        const C1: f64 = f64::from_bits(0xbfdf_ffff_fd0c_621c);
        const C2: f64 = f64::from_bits(0x3fa5_5553_e106_8f19);
        const C3: f64 = f64::from_bits(0xbf56_c087_e89a_359d);
        const C4: f64 = f64::from_bits(0x3ef9_9343_027b_f8c3);
        const S1: f64 = f64::from_bits(0xbfc5_5554_5995_a603);
        const S2: f64 = f64::from_bits(0x3f81_1076_0523_0bc4);
        const S3: f64 = f64::from_bits(0xbf29_94eb_3774_cf24);
        let a = x.abs();
        // glibc compares the top 12 bits of the float32 |x|, that is |x|
        // with the threshold whose low 20 bits are cleared.
        let below = |t: f32| a.simd_lt(sp(f64::from(f32::from_bits(t.to_bits() >> 20 << 20))));
        let small = below(std::f32::consts::FRAC_PI_4);
        let tiny = below(2.441_406_25e-4); // 2^-12
        let ok = below(120.0);
        // n = (trunc(x * 2^24 * 2/pi) + 2^23) >> 24 (a round-half-up of
        // x * 2/pi in glibc's int32 arithmetic), 0 below pi/4; r = x - n pi/2.
        let n = ((x * sp(HPI_INV)).trunc() + sp(8388608.0)) * sp(1.0 / 16777216.0);
        let n = small.select(sp(0.0), n.floor());
        let r = (-n).mul_add(sp(HPI), x);
        let (_, q) = round_bits(n);
        // sign[n & 3] = {1, -1, -1, 1}; the cos polynomial of glibc's
        // second table (used when n & 2) is the first one negated, and
        // every step is symmetric under negation.
        let flip = odd(q ^ (q >> 1));
        let second = odd(q >> 1);
        let xs = r ^ (flip & sp(-0.0));
        let x2 = r * r;
        let x3 = xs * x2;
        let s1 = x2.mul_add(sp(S3), sp(S2));
        let x7 = x3 * x2;
        let sv = x7.mul_add(s1, x3.mul_add(sp(S1), xs));
        let x4 = x2 * x2;
        let c2 = x2.mul_add(sp(C4), sp(C3));
        let c1 = x2.mul_add(sp(C1), sp(1.0));
        let x6 = x4 * x2;
        let cv = x6.mul_add(c2, x4.mul_add(sp(C2), c1));
        let cv = cv ^ (second & sp(-0.0));
        let n_odd = odd(q);
        let v = if cos {
            tiny.select(sp(1.0), n_odd.select(sv, cv))
        } else {
            tiny.select(x, n_odd.select(cv, sv))
        };
        (v, !ok)
    }

    /// `sinf` ([`sincosf`]).
    #[inline(always)]
    pub fn sinf(x: V) -> (V, V) {
        sincosf(x, false)
    }

    /// `cosf` ([`sincosf`]).
    #[inline(always)]
    pub fn cosf(x: V) -> (V, V) {
        sincosf(x, true)
    }

    /// `pow(x, y)`: exact shortcuts for `y` in {0, 1, 2, -1, 1/2} and
    /// `x = 1`, wide's `powf_simd` (2 ULP with FMA) for results within
    /// 2^±16 and ordinary operands; every other lane goes to the scalar
    /// function.  Used only in FMA builds.
    #[inline(always)]
    pub fn pow(x: V, y: V) -> (V, V) {
        let one = sp(1.0);
        let general = x.powf_simd(y);
        let ax = x.abs();
        let ordinary = ax.simd_ge(sp(f64::MIN_POSITIVE))
            & ax.simd_le(sp(f64::MAX))
            & y.abs().simd_lt(sp(4503599627370496.0));
        let ar = general.abs();
        let in_range = ar.simd_ge(sp(1.52587890625e-5)) & ar.simd_le(sp(65536.0));
        let bad = !(ordinary & in_range) | ax.simd_eq(one);
        let mut r = general;
        let y2 = y.simd_eq(sp(2.0));
        r = y2.select(x * x, r);
        let y1 = y.simd_eq(one);
        r = y1.select(x, r);
        let ym1 = y.simd_eq(sp(-1.0));
        r = ym1.select(one / x, r);
        let yh = y.simd_eq(sp(0.5)) & x.simd_gt(sp(0.0));
        r = yh.select(x.sqrt(), r);
        let exact = y2 | y1 | ym1 | yh | y.simd_eq(sp(0.0)) | x.simd_eq(one);
        r = (y.simd_eq(sp(0.0)) | x.simd_eq(one)).select(one, r);
        (r, bad & !exact)
    }
}

// ---------------------------------------------------------------------------
// Drivers.

/// An element type of the kernels: float64, or float32 computed in float64.
trait Elem: Copy + 'static {
    /// Loads eight elements as float64.
    fn load(x: &[Self]) -> V;
    /// Converts eight float64 results back into `out` and returns the
    /// bitmask of lanes to recompute with the scalar function: the lanes of
    /// `bad`, plus for float64 NaN results (whose sign glibc sets).  The
    /// float32 cores flag every lane whose float32 result could differ
    /// from glibc's in `bad` themselves (non-finite inputs, NaN, infinite
    /// and subnormal results), so float32 stores screen nothing more.
    fn store<S: Slot<Self>>(out: &mut [S], r: V, bad: V) -> u32;
}

impl Elem for f64 {
    #[inline(always)]
    fn load(x: &[f64]) -> V {
        V::new(x.try_into().expect("eight lanes"))
    }
    #[inline(always)]
    fn store<S: Slot<f64>>(out: &mut [S], r: V, bad: V) -> u32 {
        memory::copy(out, r.as_array());
        (bad | r.is_nan()).to_bitmask()
    }
}

impl Elem for f32 {
    #[inline(always)]
    fn load(x: &[f32]) -> V {
        let mut a = [0.0; LANES];
        for (a, &x) in a.iter_mut().zip(x) {
            *a = f64::from(x);
        }
        V::new(a)
    }
    #[inline(always)]
    fn store<S: Slot<f32>>(out: &mut [S], r: V, bad: V) -> u32 {
        let rs = r.to_array();
        for (o, &v) in out.iter_mut().zip(rs.iter()) {
            o.put(v as f32);
        }
        bad.to_bitmask()
    }
}

/// Runs a unary core over `x`, recomputing flagged lanes with `scalar`.
/// The last `len % 8` elements run through the core too, padded to a full
/// vector, so that an element's result does not depend on its position
/// (blocks of strided inputs, 1-element arrays and 0-d inputs end in other
/// places than contiguous blocks).
#[inline(always)]
fn unary<T: Elem, S: Slot<T>>(
    out: &mut [S],
    x: &[T],
    core: impl Fn(V) -> (V, V),
    scalar: impl Fn(T) -> T,
) {
    assert_eq!(out.len(), x.len(), "output and input lengths differ");
    let mut oc = out.chunks_exact_mut(LANES);
    let mut xc = x.chunks_exact(LANES);
    for (o, xs) in (&mut oc).zip(&mut xc) {
        let v = T::load(xs);
        let (r, bad) = core(v);
        let redo = T::store(o, r, bad);
        if redo != 0 {
            fix1(o, xs, redo, &scalar);
        }
    }
    let rest = xc.remainder();
    if let Some(&first) = rest.first() {
        let mut xs = [first; LANES];
        xs[..rest.len()].copy_from_slice(rest);
        let mut o = xs;
        let v = T::load(&xs);
        let (r, bad) = core(v);
        let redo = T::store(&mut o, r, bad) & lanes_below(rest.len());
        if redo != 0 {
            fix1(&mut o, &xs, redo, &scalar);
        }
        memory::copy(oc.into_remainder(), &o[..rest.len()]);
    }
}

/// The bitmask of the first `len` lanes (`1 <= len <= 8`).
#[inline(always)]
fn lanes_below(len: usize) -> u32 {
    u32::MAX >> (32 - len)
}

/// Recomputes the lanes of `mask` with the scalar function.
#[cold]
#[inline(never)]
fn fix1<T: Copy, S: Slot<T>>(o: &mut [S], xs: &[T], mask: u32, scalar: &impl Fn(T) -> T) {
    for (i, (o, &x)) in o.iter_mut().zip(xs).enumerate() {
        if mask >> i & 1 != 0 {
            o.put(scalar(x));
        }
    }
}

/// Runs a binary float64 core over two operands; like [`unary`], the
/// last elements run through the core padded to a full vector, and so
/// does a pair of scalars.
#[inline(always)]
fn binary<S: Slot<f64>>(
    out: &mut [S],
    a: Arg<'_, f64>,
    b: Arg<'_, f64>,
    core: impl Fn(V, V) -> (V, V),
    scalar: impl Fn(f64, f64) -> f64,
) {
    let n = out.len();
    for arg in [&a, &b] {
        if let Arg::Vec(v) = arg {
            assert_eq!(v.len(), n, "output and input lengths differ");
        }
    }
    // Lanes i..i+len of an operand, padded with the first of them.
    let lanes = |arg: &Arg<'_, f64>, i: usize, len: usize| -> [f64; LANES] {
        match arg {
            Arg::Vec(v) => {
                let mut l = [v[i]; LANES];
                l[..len].copy_from_slice(&v[i..i + len]);
                l
            }
            Arg::Scalar(s) => [*s; LANES],
        }
    };
    // The results of the eight lanes of `xs` and `ys`, with the lanes to
    // recompute with the scalar function already recomputed among the
    // first `len`.
    let vector = |xs: &[f64], ys: &[f64], len: usize| -> [f64; LANES] {
        let (x, y) = (
            V::new(xs.try_into().expect("eight lanes")),
            V::new(ys.try_into().expect("eight lanes")),
        );
        let (r, bad) = core(x, y);
        let mut o = r.to_array();
        let redo = (bad | r.is_nan()).to_bitmask() & lanes_below(len);
        if redo != 0 {
            fix2(&mut o, xs, ys, redo, &scalar);
        }
        o
    };
    // The whole vectors, with one loop per operand form, reading the
    // operands as slices (as `unary` does: LLVM then loads each vector in
    // one instruction).
    let whole = n / LANES * LANES;
    let out_whole = out[..whole].chunks_exact_mut(LANES);
    match (a, b) {
        (Arg::Vec(u), Arg::Vec(v)) => {
            for ((o, xs), ys) in out_whole
                .zip(u.chunks_exact(LANES))
                .zip(v.chunks_exact(LANES))
            {
                memory::copy(o, &vector(xs, ys, LANES));
            }
        }
        (Arg::Vec(u), Arg::Scalar(t)) => {
            for (o, xs) in out_whole.zip(u.chunks_exact(LANES)) {
                memory::copy(o, &vector(xs, &[t; LANES], LANES));
            }
        }
        (Arg::Scalar(s), Arg::Vec(v)) => {
            for (o, ys) in out_whole.zip(v.chunks_exact(LANES)) {
                memory::copy(o, &vector(&[s; LANES], ys, LANES));
            }
        }
        (Arg::Scalar(_), Arg::Scalar(_)) => {
            if n > 0 {
                let one = vector(&lanes(&a, 0, 1), &lanes(&b, 0, 1), 1);
                memory::fill(out, one[0]);
            }
            return;
        }
    }
    if whole < n {
        let len = n - whole;
        let r = vector(&lanes(&a, whole, len), &lanes(&b, whole, len), len);
        memory::copy(&mut out[whole..], &r[..len]);
    }
}

/// Recomputes the lanes of `mask` of a binary kernel.
#[cold]
#[inline(never)]
fn fix2(o: &mut [f64], xa: &[f64], ya: &[f64], mask: u32, scalar: &impl Fn(f64, f64) -> f64) {
    for (i, o) in o.iter_mut().enumerate() {
        if mask >> i & 1 != 0 {
            *o = scalar(xa[i], ya[i]);
        }
    }
}

/// Defines one public unary kernel per listed function: `core` is the
/// vector core, `std` the scalar std method, and `sse2` whether the vector
/// core also beats the scalar loop in builds without FMA (otherwise those
/// builds run the scalar loop).  The `scalar` form defines kernels that
/// always run the scalar loop (float32 functions the vector cores cannot
/// reproduce bit for bit).
macro_rules! unary_kernels {
    ($t:ident: $($name:ident => $core:ident, $std:ident, $sse2:expr, $doc:expr;)*) => {$(
        #[doc = concat!("`out[i] = ", $doc, "(x[i])`, as glibc computes it; `out` and `x` must have",
            " the same length.")]
        pub fn $name<S: super::Slot<$t>>(out: &mut [S], x: &[$t]) {
            if super::FMA || $sse2 {
                super::unary(out, x, super::core::$core, $t::$std);
            } else {
                super::scalar(out, x, $t::$std);
            }
        }
    )*};
    (scalar $t:ident: $($name:ident => $std:path, $doc:expr;)*) => {$(
        #[doc = concat!("`out[i] = ", $doc, "(x[i])`, the scalar C library loop; `out` and `x`",
            " must have the same length.")]
        pub fn $name<S: super::Slot<$t>>(out: &mut [S], x: &[$t]) {
            super::scalar(out, x, $std);
        }
    )*};
}

/// The scalar loop.
fn scalar<T: Copy, S: Slot<T>>(out: &mut [S], x: &[T], f: impl Fn(T) -> T) {
    assert_eq!(out.len(), x.len(), "output and input lengths differ");
    for (o, &x) in out.iter_mut().zip(x) {
        o.put(f(x));
    }
}

/// float64 kernels: within 4 ULP of glibc, same special values.
pub mod f64 {
    use crate::kernels::memory::Slot;
    use crate::vm::Arg;

    unary_kernels! { f64:
        exp => exp, exp, true, "exp";
        expm1 => expm1, exp_m1, false, "expm1";
        log => ln, ln, true, "log";
        log1p => log1p, ln_1p, true, "log1p";
        log10 => log10, log10, true, "log10";
        log2 => log2, log2, false, "log2";
        sin => sin, sin, true, "sin";
        cos => cos, cos, true, "cos";
        tan => tan, tan, true, "tan";
        sinh => sinh, sinh, false, "sinh";
        cosh => cosh, cosh, true, "cosh";
        tanh => tanh, tanh, true, "tanh";
        arcsin => asin, asin, true, "asin";
        arccos => acos, acos, true, "acos";
        arctan => atan, atan, true, "atan";
    }

    /// `out[i] = atan2(y[i], x[i])`; slices must have `out`'s length.
    pub fn arctan2<S: Slot<f64>>(out: &mut [S], y: Arg<'_, f64>, x: Arg<'_, f64>) {
        super::binary(out, y, x, super::core::atan2, f64::atan2);
    }

    /// `out[i] = pow(x[i], y[i])`; slices must have `out`'s length.  In
    /// builds without FMA this is the scalar loop (wide's `powf_simd` is
    /// neither accurate nor faster there).
    pub fn pow<S: Slot<f64>>(out: &mut [S], x: Arg<'_, f64>, y: Arg<'_, f64>) {
        if super::FMA {
            super::binary(out, x, y, super::core::pow, f64::powf);
        } else {
            crate::kernels::ops::map2(out, x, y, f64::powf);
        }
    }
}

/// float32 kernels: bit-identical to glibc's float32 functions.  `exp`,
/// `sin` and `cos` have vector cores; the others are the scalar loop (see
/// the module docs), so that both modules offer the same set of functions.
pub mod f32 {
    use crate::kernels::memory::Slot;
    use crate::vm::Arg;

    unary_kernels! { f32:
        exp => expf, exp, false, "expf";
        sin => sinf, sin, false, "sinf";
        cos => cosf, cos, false, "cosf";
    }

    unary_kernels! { scalar f32:
        expm1 => f32::exp_m1, "expm1f";
        log => f32::ln, "logf";
        log1p => f32::ln_1p, "log1pf";
        log10 => f32::log10, "log10f";
        log2 => f32::log2, "log2f";
        tan => f32::tan, "tanf";
        sinh => f32::sinh, "sinhf";
        cosh => f32::cosh, "coshf";
        tanh => f32::tanh, "tanhf";
        arcsin => f32::asin, "asinf";
        arccos => f32::acos, "acosf";
        arctan => f32::atan, "atanf";
    }

    /// `out[i] = atan2f(y[i], x[i])`, the scalar loop; slices must have
    /// `out`'s length.
    pub fn arctan2<S: Slot<f32>>(out: &mut [S], y: Arg<'_, f32>, x: Arg<'_, f32>) {
        crate::kernels::ops::map2(out, y, x, f32::atan2);
    }

    /// `out[i] = powf(x[i], y[i])`, the scalar loop; slices must have
    /// `out`'s length.
    pub fn pow<S: Slot<f32>>(out: &mut [S], x: Arg<'_, f32>, y: Arg<'_, f32>) {
        crate::kernels::ops::map2(out, x, y, f32::powf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The promises of the `ln` tables (`core::LOG_INVC`): every `ln(c)`
    /// is a multiple of 2^-43 (so `k ln2_hi + ln(c)` is exact) and within
    /// float64 rounding of `-ln(invc)`; `|z * invc - 1| <= 2^-8` over each
    /// interval; and the interval of 1 has `invc = 1`, `ln(c) = 0`.
    #[test]
    fn ln_table_invariants() {
        use self::core::{LOG_INVC, LOG_LOGC, LOG_OFF};
        for i in 0..128u64 {
            let (invc, logc) = (
                f64::from_bits(LOG_INVC[i as usize]),
                f64::from_bits(LOG_LOGC[i as usize]),
            );
            let scaled = logc * 2f64.powi(43);
            assert_eq!(scaled, scaled.round(), "interval {i}: ln(c) = {logc:e}");
            assert!(
                (logc + invc.ln()).abs() <= 2.0 * f64::EPSILON * logc.abs(),
                "interval {i}"
            );
            let lo = f64::from_bits(LOG_OFF + (i << 45));
            let hi = f64::from_bits(LOG_OFF + ((i + 1) << 45));
            for z in [lo, hi] {
                assert!(
                    (z.mul_add(invc, -1.0)).abs() <= 2f64.powi(-8),
                    "interval {i}, z = {z}"
                );
            }
            if (lo..hi).contains(&1.0) {
                assert_eq!((invc, logc), (1.0, 0.0));
            }
        }
    }

    /// The gather in `lookup` (AVX-512 builds) and the scalar loop (other
    /// builds) return `table[i % 128]` in every lane, for indices in every
    /// position, at both ends of the table and with high bits set.
    #[test]
    fn lookup_matches_indexing() {
        let table: [u64; 128] = std::array::from_fn(|i| 0x1000 + 3 * i as u64);
        let indices: Vec<u64> = (0..128)
            .chain([
                128,
                255,
                256 + 5,
                u64::MAX,
                u64::MAX - 127,
                1 << 63,
                (1 << 52) | 7,
            ])
            .collect();
        for start in 0..indices.len() {
            let idx: [u64; LANES] =
                std::array::from_fn(|l| indices[(start + 3 * l) % indices.len()]);
            let got = lookup(&table, U::new(idx)).to_array();
            let want = idx.map(|i| table[(i % 128) as usize]);
            assert_eq!(got, want, "indices {idx:?}");
        }
    }
}
