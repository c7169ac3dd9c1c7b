// The vectorized exponential against libm: within 1 ulp on the range that matters, and the
// documented edges (flush below -708, infinity above 709.78, NaN kept).
#include <cmath>
#include <vector>

#include "check.h"
#include "kernels/vmath.h"

int main() {
  std::vector<double> xs;
  for (double x = -707.9; x < 709.7; x += 0.0137) xs.push_back(x);
  for (double x = -5; x < 5; x += 1e-4) xs.push_back(x);
  std::vector<double> v = xs;
  dnsgd::exp_inplace(v.data(), (int)v.size());
  double worst = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double e = std::exp(xs[i]);
    double ulp = std::nextafter(e, INFINITY) - e;
    worst = std::fmax(worst, std::fabs(v[i] - e) / ulp);
  }
  if (!CHECK(worst <= 1.0)) std::fprintf(stderr, "  worst error %.2f ulp\n", worst);
  double edges[5] = {NAN, 800.0, -800.0, 0.0, -708.5};
  dnsgd::exp_inplace(edges, 5);
  CHECK(std::isnan(edges[0]));
  CHECK(edges[1] == INFINITY);
  CHECK(edges[2] == 0.0);
  CHECK(edges[3] == 1.0);
  CHECK(edges[4] == 0.0);
  double s[3] = {0.0, 40.0, -40.0};
  dnsgd::sigmoid_inplace(s, 3);
  CHECK(s[0] == 0.5);
  CHECK(s[1] == 1.0);
  CHECK(std::fabs(s[2] - 1.0 / (1.0 + std::exp(40.0))) <= 1e-16 * s[2] * 4);
  return check::check_summary();
}
