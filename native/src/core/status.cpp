#include "core/status.h"

#include <new>
#include <stdexcept>
#include <string>

#include "core/error.h"

namespace jdnn {

namespace {

thread_local ErrorKind t_kind = ErrorKind::NONE;
thread_local std::string t_message;
// Used instead of t_message when copying the message itself ran out of memory.
thread_local const char* t_fallback = nullptr;

int record(ErrorKind kind, const char* message) noexcept {
  t_kind = kind;
  try {
    t_message = message;
    t_fallback = nullptr;
  } catch (...) {
    t_fallback = "out of host memory while reporting a native error";
  }
  return static_cast<int>(kind);
}

}  // namespace

int record_current_exception() noexcept {
  try {
    throw;
  } catch (const Error& e) {
    return record(e.kind(), e.what());
  } catch (const std::bad_alloc&) {
    return record(ErrorKind::OUT_OF_MEMORY, "out of host memory");
  } catch (const std::invalid_argument& e) {
    return record(ErrorKind::ARGUMENT, e.what());
  } catch (const std::exception& e) {
    return record(ErrorKind::INTERNAL, e.what());
  } catch (...) {
    return record(ErrorKind::INTERNAL, "unknown native error");
  }
}

int last_error_kind() noexcept { return static_cast<int>(t_kind); }

const char* last_error_message() noexcept { return t_fallback != nullptr ? t_fallback : t_message.c_str(); }

}  // namespace jdnn
