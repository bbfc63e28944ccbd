// Native errors. Code below the facade throws an Error carrying a kind (jdnn/ops.def's
// JDNN_ERROR_KINDS) and a message naming the op and the offending values; the facade catches it
// (core/status.h) and reports the kind through its return value, so nothing ever aborts and
// Java maps each kind to one exception type without reading the message.
#pragma once
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

#include "jdnn/jdnn.h"

namespace jdnn {

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

// Builds a message from any streamable parts: fail_as(ErrorKind::INDEX, "label ", k, " at ", i).
template <class... Parts>
[[noreturn]] void fail_as(ErrorKind kind, const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  throw Error(kind, out.str());
}

// An argument error, the common case: fail("matmul: k ", a, " != ", b).
template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  fail_as(ErrorKind::ARGUMENT, parts...);
}

// The message of a class label outside [0, classes), shared by both backends' cross-entropy (and
// by the CUDA backend's error record, which raises it later).
inline std::string label_message(const char* op, int64_t label, int64_t row, int64_t classes) {
  std::ostringstream out;
  out << op << ": label " << label << " at index " << row << " is outside [0, " << classes << ") for " << classes
      << " classes";
  return out.str();
}

// The index error of a class label outside [0, classes).
[[noreturn]] inline void fail_label(const char* op, int64_t label, int64_t row, int64_t classes) {
  fail_as(ErrorKind::INDEX, label_message(op, label, row, classes));
}

// Argument checks.
#define JDNN_CHECK(cond, ...)               \
  do {                                      \
    if (!(cond)) ::jdnn::fail(__VA_ARGS__); \
  } while (0)

// Checks that fail with another kind: JDNN_CHECK_AS(ErrorKind::DEVICE, loaded, "...").
#define JDNN_CHECK_AS(kind, cond, ...)                  \
  do {                                                  \
    if (!(cond)) ::jdnn::fail_as((kind), __VA_ARGS__);  \
  } while (0)

}  // namespace jdnn
