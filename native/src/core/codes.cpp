#include "core/codes.h"

#include <cstdint>

#include "core/error.h"

namespace jdnn {

namespace {

#define JDNN_NAME_ROW(name, ...) #name,
#define JDNN_LABEL2(name, label) label,
#define JDNN_LABEL3(name, type, label) label,
#define JDNN_SIZE_ROW(name, type, label) sizeof(type),
constexpr const char* kDTypeLabels[] = {JDNN_DTYPES(JDNN_LABEL3)};
constexpr size_t kDTypeSizes[] = {JDNN_DTYPES(JDNN_SIZE_ROW)};
constexpr const char* kDeviceLabels[] = {JDNN_DEVICES(JDNN_LABEL2)};
constexpr const char* kUnaryNames[] = {JDNN_UNARY_OPS(JDNN_NAME_ROW)};
#define JDNN_FUNCTOR_ROW(name, functor) #functor,
constexpr const char* kUnaryFunctors[] = {JDNN_UNARY_OPS(JDNN_FUNCTOR_ROW)};
#undef JDNN_FUNCTOR_ROW
constexpr const char* kBinaryNames[] = {JDNN_BINARY_OPS(JDNN_NAME_ROW)};
constexpr const char* kCompareNames[] = {JDNN_COMPARE_OPS(JDNN_NAME_ROW)};
constexpr const char* kPointLossNames[] = {JDNN_POINT_LOSSES(JDNN_NAME_ROW)};

// "A,B,C" for a table's rows, built by the preprocessor.
#define JDNN_LIST_ROW(name, ...) "," #name
constexpr const char* kDTypeList = &(JDNN_DTYPES(JDNN_LIST_ROW))[1];
constexpr const char* kDeviceList = &(JDNN_DEVICES(JDNN_LIST_ROW))[1];
constexpr const char* kUnaryList = &(JDNN_UNARY_OPS(JDNN_LIST_ROW))[1];
constexpr const char* kBinaryList = &(JDNN_BINARY_OPS(JDNN_LIST_ROW))[1];
constexpr const char* kCompareList = &(JDNN_COMPARE_OPS(JDNN_LIST_ROW))[1];
constexpr const char* kPointLossList = &(JDNN_POINT_LOSSES(JDNN_LIST_ROW))[1];
#define JDNN_LIST_ROW1(name) "," #name
constexpr const char* kErrorKindList = &(JDNN_ERROR_KINDS(JDNN_LIST_ROW1))[1];
#undef JDNN_LIST_ROW1
#undef JDNN_LIST_ROW
#undef JDNN_NAME_ROW
#undef JDNN_LABEL2
#undef JDNN_LABEL3
#undef JDNN_SIZE_ROW

// `what` starts the message: "point_loss: unknown op" code 7 (known: 0 to 1).
template <class E, size_t N>
E checked(int code, const char* const (&names)[N], const char* what) {
  JDNN_CHECK(code >= 0 && static_cast<size_t>(code) < N, what, " code ", code, " (known: 0 to ", N - 1, ")");
  return static_cast<E>(code);
}

template <size_t N>
const char* name_at(const char* const (&names)[N], int code, const char* unknown) {
  return code >= 0 && static_cast<size_t>(code) < N ? names[code] : unknown;
}

}  // namespace

size_t dtype_size(DType dtype) { return kDTypeSizes[static_cast<int>(dtype)]; }
const char* dtype_name(DType dtype) { return name_at(kDTypeLabels, static_cast<int>(dtype), "unknown-dtype"); }
const char* device_name(Device device) {
  return name_at(kDeviceLabels, static_cast<int>(device), "unknown-device");
}
bool is_float(DType dtype) { return dtype == DType::FLOAT32 || dtype == DType::FLOAT64; }
bool is_half(DType dtype) { return dtype == DType::FLOAT16 || dtype == DType::BFLOAT16; }
const char* unary_op_name(UnaryOp op) { return name_at(kUnaryFunctors, static_cast<int>(op), "unknown-op"); }

DType dtype_of(int code) { return checked<DType>(code, kDTypeLabels, "unknown dtype"); }
Device device_of(int code) { return checked<Device>(code, kDeviceLabels, "unknown device"); }
UnaryOp unary_op_of(int code) { return checked<UnaryOp>(code, kUnaryNames, "unary: unknown op"); }
BinaryOp binary_op_of(int code) { return checked<BinaryOp>(code, kBinaryNames, "binary: unknown op"); }
CompareOp compare_op_of(int code) { return checked<CompareOp>(code, kCompareNames, "compare: unknown op"); }
PointLoss point_loss_of(int code) { return checked<PointLoss>(code, kPointLossNames, "point_loss: unknown op"); }

const char* code_names(int table) noexcept {
  switch (static_cast<CodeTable>(table)) {
    case CodeTable::DTYPE: return kDTypeList;
    case CodeTable::DEVICE: return kDeviceList;
    case CodeTable::UNARY_OP: return kUnaryList;
    case CodeTable::BINARY_OP: return kBinaryList;
    case CodeTable::POINT_LOSS: return kPointLossList;
    case CodeTable::ERROR_KIND: return kErrorKindList;
    case CodeTable::COMPARE_OP: return kCompareList;
  }
  return nullptr;
}

}  // namespace jdnn
