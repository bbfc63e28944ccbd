// The check counter the native check programs share: CHECK(cond) records a check and prints the
// first 30 failures with their line; checks_summary() prints "N checks, M failed" (the line
// NativeChecks looks for) and gives the exit status.
#pragma once
#include <cstdio>

namespace jdnn_test {

inline int g_checks = 0, g_failures = 0;

inline void check(bool ok, const char* what, int line) {
  ++g_checks;
  if (!ok && g_failures++ < 30) std::printf("FAILED line %d: %s\n", line, what);
}

inline int checks_summary() {
  std::printf("%d checks, %d failed\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}

}  // namespace jdnn_test

#define CHECK(cond) ::jdnn_test::check((cond), #cond, __LINE__)
