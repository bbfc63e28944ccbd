# Runtime CPU dispatch: the library targets baseline x86-64 so the jar runs on
# any 64-bit Intel/AMD CPU; only files named *_avx2.cpp / *_avx512.cpp are
# compiled for those instruction sets, and code picks them at run time
# (__builtin_cpu_supports) before calling into them.
function(jdnn_cpu_dispatch_flags)
  foreach(src ${ARGN})
    if(src MATCHES "_avx512\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS
        "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mfma;-mavx2")
    elseif(src MATCHES "_avx2\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
    endif()
  endforeach()
endfunction()
