// Minimal checks for the native test programs.
//
// Each CHECK counts one pass or one failure; a failure prints file:line and what failed.
// check_summary() prints "N passed, M failed" on its own line (the form CI reads) and
// returns the process exit code, so main() ends with `return check_summary();`.
#pragma once

#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace check {

struct Counts {
  long passed = 0;
  long failed = 0;
};

inline Counts& counts() {
  static Counts c;
  return c;
}

// Past this many, failures are still counted but not printed, so one broken kernel
// does not bury the summary under a million lines.
constexpr long kMaxPrinted = 40;

inline bool report(bool ok, const char* file, int line, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));

inline bool report(bool ok, const char* file, int line, const char* fmt, ...) {
  Counts& c = counts();
  if (ok) {
    ++c.passed;
    return true;
  }
  if (++c.failed <= kMaxPrinted) {
    std::fprintf(stderr, "%s:%d: FAILED: ", file, line);
    va_list args;
    va_start(args, fmt);
    std::vfprintf(stderr, fmt, args);
    va_end(args);
    std::fputc('\n', stderr);
  }
  return false;
}

inline int check_summary() {
  const Counts& c = counts();
  std::fflush(stderr);
  std::printf("%ld passed, %ld failed\n", c.passed, c.failed);
  std::fflush(stdout);
  return c.failed == 0 ? 0 : 1;
}

}  // namespace check

// Each macro evaluates its arguments once and yields true when the check passed.
#define CHECK(cond) (::check::report(static_cast<bool>(cond), __FILE__, __LINE__, "%s", #cond))

// Like CHECK, with a printf-style explanation printed on failure.
#define CHECK_MSG(cond, ...) \
  (::check::report(static_cast<bool>(cond), __FILE__, __LINE__, __VA_ARGS__))

#define CHECK_EQ(a, b)                                                                    \
  ([&](const auto& va_, const auto& vb_) {                                               \
    return ::check::report(va_ == vb_, __FILE__, __LINE__, "%s == %s", #a, #b);          \
  }((a), (b)))

// |a - b| <= tol, false for NaN.
#define CHECK_NEAR(a, b, tol)                                                             \
  ([&](double va_, double vb_, double vt_) {                                             \
    return ::check::report(std::fabs(va_ - vb_) <= vt_, __FILE__, __LINE__,              \
                           "%s = %.17g, %s = %.17g, |diff| = %.3g > %.3g", #a, va_, #b, vb_, \
                           std::fabs(va_ - vb_), vt_);                                  \
  }((a), (b), (tol)))
