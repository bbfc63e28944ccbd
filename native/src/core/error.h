// Errors cross into Java as exceptions: the JNI glue catches std::exception
// and throws a RuntimeException carrying what(). Native code therefore never
// aborts; it throws one of these with a message naming op and values.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace jdnn {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Builds a message from any streamable parts: fail("matmul: k ", a, " != ", b).
template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  throw Error(out.str());
}

#define JDNN_CHECK(cond, ...) \
  do {                        \
    if (!(cond)) ::jdnn::fail(__VA_ARGS__); \
  } while (0)

}  // namespace jdnn
