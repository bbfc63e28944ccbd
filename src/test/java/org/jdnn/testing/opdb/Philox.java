package org.jdnn.testing.opdb;

/** The counter-based RNG behind dropout masks, written from the Philox-4x32-10 definition (Salmon et al. 2011). */
public final class Philox {
  private Philox() {}

  /**
   * A double in [0, 1) from philox4x32_10(counter, seed), mapped to 53 bits as
   * native/src/kernels/philox.h documents: (c0 << 21) ^ (c1 >> 11), scaled by 2^-53.
   */
  public static double uniform(long counter, long seed) {
    int c0 = (int) counter, c1 = (int) (counter >>> 32), c2 = 0, c3 = 0;
    int k0 = (int) seed, k1 = (int) (seed >>> 32);
    for (int round = 0; round < 10; round++) {
      long p0 = 0xD2511F53L * (c0 & 0xffffffffL), p1 = 0xCD9E8D57L * (c2 & 0xffffffffL);
      int hi0 = (int) (p0 >>> 32), lo0 = (int) p0, hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
      int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
      c0 = n0;
      c1 = lo1;
      c2 = n2;
      c3 = lo0;
      k0 += 0x9E3779B9;
      k1 += 0xBB67AE85;
    }
    long bits = ((c0 & 0xffffffffL) << 21) ^ ((c1 & 0xffffffffL) >>> 11);
    return (bits & ((1L << 53) - 1)) * (1.0 / 9007199254740992.0);
  }
}
