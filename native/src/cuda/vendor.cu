// The vendor table's storage and the error reporting shared by both binders.
#include "cuda/vendor.h"
#include "cuda/vendor_binding.h"

namespace jdnn::vendor {

namespace {
VendorTable g_table;
bool g_bound = false;
}  // namespace

VendorTable& mutable_vendor() { return g_table; }

void mark_vendor_bound() {
#define JDNN_VENDOR_REQUIRE(lib, name, ret, params) \
  JDNN_CHECK_AS(ErrorKind::VENDOR, g_table.name != nullptr, "vendor table entry " #name " (" #lib ") is not bound");
  JDNN_VENDOR_FUNCTIONS(JDNN_VENDOR_REQUIRE)
#undef JDNN_VENDOR_REQUIRE
  g_bound = true;
}

const VendorTable& vendor() {
  JDNN_CHECK_AS(ErrorKind::VENDOR, g_bound, "cuBLAS/cuDNN are not bound (the CUDA backend did not initialize)");
  return g_table;
}

void cublas_failure(cublasStatus_t status, const char* call) {
  const char* text = g_table.cublasGetStatusString != nullptr ? g_table.cublasGetStatusString(status) : "";
  fail_as(ErrorKind::VENDOR, "cuBLAS ", call, " failed with status ", static_cast<int>(status), " (", text, ")");
}

void cudnn_failure(cudnnStatus_t status, const char* call) {
  const char* text = g_table.cudnnGetErrorString != nullptr ? g_table.cudnnGetErrorString(status) : "";
  fail_as(ErrorKind::VENDOR, "cuDNN ", call, " failed with status ", static_cast<int>(status), " (", text, ")");
}

}  // namespace jdnn::vendor
