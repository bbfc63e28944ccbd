# Whether and how libjdnn_cuda (the CUDA backend compiled by nvcc) is built.
#
# JDNN_CUDA: AUTO builds it when nvcc is found, ON requires it (CI: a CUDA
# compile error must fail the build, not skip it), OFF never builds it.
# JDNN_CUDA_ARCHITECTURES: SASS for every GPU generation the backend supports
# (Turing to Hopper, and Blackwell: sm_100 data-center, sm_120 consumer; nvcc 12.8
# or newer) plus compute_90 PTX, which any later GPU can JIT-compile (PTX for a
# newer virtual architecture would not load on sm_90 and older).
#
# Include at file scope of the top-level CMakeLists.txt: enable_language must
# not run inside a function. Sets JDNN_CUDA_BUILD (ON/OFF) for src/cuda.
set(JDNN_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90;100-real;120-real" CACHE STRING
    "GPU architectures libjdnn_cuda is compiled for (CMake CUDA_ARCHITECTURES syntax)")

string(TOUPPER "${JDNN_CUDA}" jdnn_cuda_mode)
if(NOT jdnn_cuda_mode MATCHES "^(AUTO|ON|OFF|TRUE|FALSE|YES|NO|1|0)$")
  message(FATAL_ERROR "JDNN_CUDA must be AUTO, ON or OFF, not '${JDNN_CUDA}'")
endif()

set(JDNN_CUDA_BUILD OFF)
if(jdnn_cuda_mode STREQUAL "AUTO" OR JDNN_CUDA)
  # An unset CMAKE_CUDA_ARCHITECTURES makes enable_language probe a default
  # architecture; ours are known, so skip the probe.
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES ${JDNN_CUDA_ARCHITECTURES})
  endif()
  # nvcc is often installed off PATH (/usr/local/cuda/bin). Finding it here also
  # retries a configure that cached "no CUDA compiler" before nvcc was installed.
  unset(JDNN_NVCC CACHE)
  find_program(JDNN_NVCC nvcc PATHS /usr/local/cuda/bin /opt/cuda/bin)
  if(JDNN_NVCC AND NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
    unset(CMAKE_CUDA_COMPILER CACHE)
    set(ENV{CUDACXX} "${JDNN_NVCC}")
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(JDNN_CUDA_BUILD ON)
    message(STATUS "jdnn: building libjdnn_cuda with ${CMAKE_CUDA_COMPILER} "
                   "(CUDA ${CMAKE_CUDA_COMPILER_VERSION}) for ${JDNN_CUDA_ARCHITECTURES}")
  elseif(jdnn_cuda_mode STREQUAL "AUTO")
    message(STATUS "jdnn: nvcc not found, libjdnn_cuda is not built (JDNN_CUDA=AUTO)")
  else()
    message(FATAL_ERROR "JDNN_CUDA=${JDNN_CUDA} requires nvcc, which was not found. Install the CUDA "
                        "toolkit (13.0 or newer) and put nvcc on PATH or set CUDACXX to its path, "
                        "or configure with -DJDNN_CUDA=AUTO or OFF.")
  endif()
endif()
unset(jdnn_cuda_mode)
