# regcred_warnings: the warning set; REGCRED_WERROR (on in the presets) makes them errors.
option(REGCRED_WERROR "Treat warnings as errors" OFF)

add_library(regcred_warnings INTERFACE)
add_library(regcred::warnings ALIAS regcred_warnings)
target_compile_options(regcred_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  # -Wnull-dereference is left out: at -O2 GCC 12 reports it inside libstdc++ streams.
  $<$<BOOL:${REGCRED_WERROR}>:-Werror>)
