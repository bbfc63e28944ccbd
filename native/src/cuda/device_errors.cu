// The host side of the device error record (cuda/device_errors.h): allocation, the read queued
// before a wait, and the exception a recorded error becomes (the kind and words the op used when
// it checked at once, core/error.h).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

#include "core/error.h"
#include "cuda/device_errors.h"

namespace jdnn::cuda {

namespace {

// A recorded double as Java's Double.toString prints it (the CPU path's messages use that): the
// shortest digits that read back as the same double, in plain notation with at least one
// decimal for 1e-3 <= |v| < 1e7 ("2.0", "0.25"), else as d.dddE<n> ("1.0E-5"); NaN, Infinity.
std::string java_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  // buf is [-]d[.ddd]e[+-]xx: split it into sign, digits and decimal exponent.
  std::string text(buf);
  const size_t e = text.find('e');
  const int exponent = std::atoi(text.c_str() + e + 1);
  std::string mantissa = text.substr(0, e);
  const bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;
  std::string out = negative ? "-" : "";
  const double magnitude = std::fabs(v);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent >= 0) {
      while (static_cast<int>(digits.size()) < exponent + 2) digits += '0';
      out += digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
    } else {
      out += "0." + std::string(-exponent - 1, '0') + digits;
    }
  } else {
    out += digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" + std::to_string(exponent);
  }
  return out;
}

// The op's own message for a record, as the CPU backend words it.
std::string message_of(const DeviceErrorRecord& r, ErrorKind& kind) {
  std::ostringstream m;
  kind = ErrorKind::INDEX;
  switch (static_cast<DeviceCheck>(r.code)) {
    case DeviceCheck::GATHER_ROWS_CURSOR:
      m << "gather_rows_next: the batch of " << r.position << " rows at cursor " << r.value << " runs past the order's "
        << r.bound0 << " rows; reset the cursor to 0 at each epoch";
      break;
    case DeviceCheck::GATHER_ROWS_INDEX:
      m << "gather_rows: index " << r.value << " at position " << r.position << " is outside [0, " << r.bound0 << ")";
      break;
    case DeviceCheck::INDEX_SELECT_INDEX:
    case DeviceCheck::INDEX_ADD_INDEX:
    case DeviceCheck::GATHER_INDEX:
    case DeviceCheck::SCATTER_ADD_INDEX: {
      // As cpu/index.cpp words it.
      const auto code = static_cast<DeviceCheck>(r.code);
      const char* op = code == DeviceCheck::INDEX_SELECT_INDEX ? "index_select"
                       : code == DeviceCheck::INDEX_ADD_INDEX  ? "index_add"
                       : code == DeviceCheck::GATHER_INDEX     ? "gather"
                                                               : "scatter_add";
      m << op << ": index " << r.value << " at position " << r.position << " is outside [0, " << r.bound0
        << ") of dimension " << r.bound1;
      break;
    }
    case DeviceCheck::CROSS_ENTROPY_LABEL:
      m << label_message("cross_entropy", r.value, r.position, r.bound0);
      break;
    case DeviceCheck::CROSS_ENTROPY_BACKWARD_LABEL:
      m << label_message("cross_entropy_backward", r.value, r.position, r.bound0);
      break;
    case DeviceCheck::MAX_POOL_BACKWARD_INDEX:
      m << "max_pool2d_backward: index " << r.value << " at output " << r.position << " is outside the " << r.bound0
        << "x" << r.bound1 << " input plane";
      break;
    case DeviceCheck::COUNT_CORRECT_LABEL:
      m << "count_correct: label " << r.value << " of sample " << r.position << " is outside [0, " << r.bound0 << ")";
      break;
    case DeviceCheck::POINT_LOSS_DOMAIN: {
      // As BCELoss words it on the CPU (org.jdnn.tensor.LossOps), the loss named instead of its caller.
      double v;
      std::memcpy(&v, &r.value, sizeof v);
      kind = ErrorKind::ARGUMENT;
      const long long at = r.position / 2;
      if (r.position % 2 == 0) {
        m << "BCELoss: input " << java_double(v) << " at index " << at << " is not a probability in [0, 1]: BCELoss "
          << "takes probabilities (apply sigmoid first); for raw scores (logits) use BCEWithLogitsLoss, which is "
          << "also exact for large logits";
      } else {
        m << "BCELoss: target " << java_double(v) << " at index " << at
          << " is not in [0, 1]: targets are probabilities (0 or 1 for hard labels)";
      }
      break;
    }
    default:
      kind = ErrorKind::INTERNAL;
      m << "the device error record holds an unknown check code " << r.code << " (position " << r.position
        << ", value " << r.value << ")";
  }
  return m.str();
}

}  // namespace

ErrorSite DeviceErrors::site(cudaStream_t stream, DeviceCheck code, int64_t bound0, int64_t bound1) {
  if (device_ == nullptr) {
    void* d = nullptr;
    JDNN_CUDA_CHECK(cudaMalloc(&d, sizeof(DeviceErrorRecord)));
    void* h = nullptr;
    const cudaError_t pinned = cudaMallocHost(&h, sizeof(DeviceErrorRecord));
    if (pinned != cudaSuccess) {
      cudaFree(d);  // unchecked: the failure being reported is the pinned allocation's
      JDNN_CUDA_CHECK(pinned);
    }
    // Kept from here (the record lives as long as the context), so a failing memset below
    // leaves no allocation behind that nothing points to; the next site() finds it allocated.
    device_ = static_cast<DeviceErrorRecord*>(d);
    host_ = static_cast<DeviceErrorRecord*>(h);
    JDNN_CUDA_CHECK(cudaMemsetAsync(d, 0, sizeof(DeviceErrorRecord), stream));
    *host_ = DeviceErrorRecord{};
  }
  return ErrorSite{++issued_, static_cast<unsigned>(code), bound0, bound1};
}

void DeviceErrors::before_wait(cudaStream_t stream) {
  read_queued_ = false;
  if (device_ == nullptr || issued_ == clean_) return;  // no op since the last read could have recorded
  JDNN_CUDA_CHECK(cudaMemcpyAsync(host_, device_, sizeof(DeviceErrorRecord), cudaMemcpyDeviceToHost, stream));
  count(counters().d2h_bytes, static_cast<int64_t>(sizeof(DeviceErrorRecord)));
  read_queued_ = true;
}

void DeviceErrors::after_wait(cudaStream_t stream, const char* where) {
  if (!read_queued_) return;
  read_queued_ = false;
  // Under the op lock since before_wait: no op was issued in between, so the copy saw all of them.
  clean_ = issued_;
  if (host_->code == 0) return;
  const DeviceErrorRecord found = *host_;
  *host_ = DeviceErrorRecord{};
  JDNN_CUDA_CHECK(cudaMemsetAsync(device_, 0, sizeof(DeviceErrorRecord), stream));
  ErrorKind kind = ErrorKind::INDEX;
  const std::string message = message_of(found, kind);
  fail_as(kind, message, " (found on the device by that op and raised at the next synchronization: ", where, ")");
}

}  // namespace jdnn::cuda
