// Seeded random numbers that give the same stream on every machine and compiler: integer
// arithmetic only (xoshiro256** seeded through splitmix64), doubles from the top 53 bits.
#pragma once

#include <cstdint>

namespace dnsgd {

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, bound), bound >= 1, without modulo bias (rejection).
  uint64_t below(uint64_t bound);

 private:
  uint64_t s_[4];
};

// Fisher-Yates shuffle of idx[0..n) with rng.
void shuffle(int32_t* idx, int n, Rng& rng);

}  // namespace dnsgd
