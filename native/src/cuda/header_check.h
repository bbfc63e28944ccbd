// For the compile-time checks of the project's vendor declarations against the vendors' own
// headers (vendor_check.cpp for cuBLAS/cuDNN, nccl_check.cpp for NCCL): Real<T> maps a type as
// the project declares it to the real header's type; pointers, const and function types are mapped
// member by member, so a table entry's whole function type can be compared with the real
// function's. Each check adds its own types with JDNN_REAL inside namespace jdnn_header_check,
// which lies outside namespace jdnn: nvcc's front end re-emits the real types by their unqualified
// names for the host compiler, and inside jdnn those names would mean the project's types.
#pragma once

namespace jdnn_header_check {

template <class T>
struct Real {
  using type = T;
};
template <class T>
using real_t = typename Real<T>::type;
template <class T>
struct Real<T*> {
  using type = real_t<T>*;
};
template <class T>
struct Real<const T> {
  using type = const real_t<T>;
};
template <class R, class... A>
struct Real<R(A...)> {
  using type = real_t<R>(real_t<A>...);
};

}  // namespace jdnn_header_check

// Inside namespace jdnn_header_check: the project's type `ours` stands for the header's `theirs`.
#define JDNN_REAL(ours, theirs) \
  template <>                   \
  struct Real<ours> {           \
    using type = theirs;        \
  };
