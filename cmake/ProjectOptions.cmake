# regcred_options: language level and build-mode settings, linked PRIVATE by every target.
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

# Release at -O2, Debian's default (dpkg-buildflags), not CMake's -O3: smaller code, and the
# benchmarks (docs/benchmarks.md) do not need -O3.
string(REPLACE "-O3" "-O2" CMAKE_CXX_FLAGS_RELEASE "${CMAKE_CXX_FLAGS_RELEASE}")

set(REGCRED_SANITIZERS "" CACHE STRING "Sanitizers to build with, e.g. address,undefined or thread")

find_program(REGCRED_CCACHE ccache)
if(REGCRED_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${REGCRED_CCACHE})
endif()

add_library(regcred_options INTERFACE)
add_library(regcred::options ALIAS regcred_options)
target_compile_features(regcred_options INTERFACE cxx_std_20)
target_compile_definitions(regcred_options INTERFACE
  $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>
  REGCRED_VERSION="${PROJECT_VERSION}")

if(REGCRED_SANITIZERS)
  target_compile_options(regcred_options INTERFACE
    -fsanitize=${REGCRED_SANITIZERS} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(regcred_options INTERFACE -fsanitize=${REGCRED_SANITIZERS})
  # GCC warns that TSan does not model std::atomic_thread_fence, which Boost.Asio uses.
  if(REGCRED_SANITIZERS MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(regcred_options INTERFACE -Wno-tsan)
  endif()
endif()

# Debian's hardening flags for the optimised builds the package ships (lintian checks them):
# fortified libc calls, a read-only GOT resolved at start, stack protector.
if(NOT REGCRED_SANITIZERS)
  # One section per function: the exec'd helpers link with --gc-sections and so drop what they
  # never call, and with it shared libraries they would load at each start (helper/).
  target_compile_options(regcred_options INTERFACE
    $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2> -fstack-protector-strong
    -ffunction-sections -fdata-sections)
  target_link_options(regcred_options INTERFACE -Wl,-z,relro -Wl,-z,now)
endif()
