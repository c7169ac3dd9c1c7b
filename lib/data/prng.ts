// A tiny seeded generator, written out in full so that a split made here can be reproduced in
// any language: a Weyl sequence (step 0x9e3779b9 mod 2^32) passed through the 32-bit MurmurHash3
// finalizer. It is not cryptographic; it only has to be fast, deterministic and well mixed.
//
//   state_0 = seed mod 2^32  XOR  imul(floor(seed / 2^32), 0x9e3779b1)
//   state_k = state_{k-1} + 0x9e3779b9                     (mod 2^32)
//   z = state_k; z ^= z >>> 16; z *= 0x85ebca6b; z ^= z >>> 13; z *= 0xc2b2ae35; z ^= z >>> 16
//   float = z / 2^32,  int below n = floor(float * n)
//   shuffle: Fisher-Yates from the last index down, j = int below (i + 1)

import { integer } from '../validate';

const TWO32 = 4294967296;

export class Prng {
  private state: number;

  /** `seed` must be a non-negative safe integer. */
  constructor(seed: number) {
    integer('seed', seed, 0, Number.MAX_SAFE_INTEGER);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO32);
    this.state = (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
  }

  /** Next value, uniform on 0 .. 2^32 - 1. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z ^= z >>> 16;
    z = Math.imul(z, 0x85ebca6b);
    z ^= z >>> 13;
    z = Math.imul(z, 0xc2b2ae35);
    z ^= z >>> 16;
    return z >>> 0;
  }

  /** Uniform on [0, 1), with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / TWO32;
  }

  /** Uniform integer on 0 .. n - 1 (n at most 2^32; the bias is below n / 2^32). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** Shuffles in place and returns the same array. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
