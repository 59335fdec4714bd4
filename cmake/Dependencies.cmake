# Every external dependency is found here, once. packaging/build-deps.sh installs them.
find_package(nlohmann_json 3.11 REQUIRED)
find_package(yaml-cpp 0.7 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
# simdjson reads the API server's list and watch bodies (regcred::watch; regcredd only).
find_package(simdjson 3.0 REQUIRED)
# Boost.URL (1.81) is used header-only: common/core/url.cpp includes <boost/url/src.hpp>.
find_package(Boost 1.81 REQUIRED)

if(REGCRED_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(REGCRED_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
