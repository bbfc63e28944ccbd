// How every jdnn.h function reports failure without throwing across JNI: it runs its body through
// status_of (functions that return nothing else: 0 on success, else the ErrorKind) or value_or
// (functions that return a value: a sentinel on failure), which catch any exception, record its
// kind and message in this thread's last error (last_error_kind / last_error_message) and return.
// Success costs the caller one compare; the message is built and read only on failure.
#pragma once
#include "core/handles.h"

namespace jdnn {

// Records the exception being handled (call only inside a catch block) as this thread's last error
// and returns its kind: Error keeps its own, std::bad_alloc is OUT_OF_MEMORY,
// std::invalid_argument ARGUMENT, anything else INTERNAL.
int record_current_exception() noexcept;

// Runs body inside an ApiCall (core/handles.h: the tensors it pins stay alive until it returns).
template <class Body>
int status_of(Body&& body) noexcept {
  try {
    const ApiCall call;
    body();
    return 0;
  } catch (...) {
    return record_current_exception();
  }
}

template <class R, class Body>
R value_or(R failed, Body&& body) noexcept {
  try {
    const ApiCall call;
    return body();
  } catch (...) {
    record_current_exception();
    return failed;
  }
}

}  // namespace jdnn
