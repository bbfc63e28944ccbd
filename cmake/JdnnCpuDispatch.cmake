# Runtime CPU dispatch: the library targets baseline x86-64 so the jar runs on
# any 64-bit Intel/AMD CPU; only files named *_avx2.cpp / *_avx512.cpp are
# compiled for those instruction sets, and code picks them at run time
# (__builtin_cpu_supports) before calling into them.
# *_bf16_avx512.cpp also gets -mavx512bf16 (VDPBF16PS) when the compiler knows it; without it
# the file compiles to a stub and the portable bf16 kernel is used.
include(CheckCXXCompilerFlag)
check_cxx_compiler_flag(-mavx512bf16 JDNN_HAVE_MAVX512BF16)
# *_amx.cpp likewise with -mamx-tile -mamx-bf16 (AMX tiles).
check_cxx_compiler_flag("-mamx-tile -mamx-bf16" JDNN_HAVE_MAMX)
function(jdnn_cpu_dispatch_flags)
  foreach(src ${ARGN})
    if(src MATCHES "_amx\\.cpp$" AND JDNN_HAVE_MAMX)
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS
        "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mamx-tile;-mamx-bf16;-mfma;-mavx2")
    elseif(src MATCHES "_bf16_avx512\\.cpp$" AND JDNN_HAVE_MAVX512BF16)
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS
        "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mavx512bf16;-mfma;-mavx2")
    elseif(src MATCHES "_avx512\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS
        "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mfma;-mavx2")
    elseif(src MATCHES "_avx2\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
    endif()
  endforeach()
endfunction()
