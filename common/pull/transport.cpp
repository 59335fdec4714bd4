#include "common/pull/transport.hpp"

#include <curl/curl.h>

#include "common/io/openssl_init.hpp"

namespace regcred::pull {

bool init_transport() {
  static const bool ready = [] {
    io::init_openssl();  // first: curl_global_init would load all of OpenSSL's error texts
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  }();
  return ready;
}

}  // namespace regcred::pull
