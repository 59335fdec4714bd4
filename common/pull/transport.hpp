// transport.hpp: process-wide set-up of libcurl and OpenSSL, once, before the first transfer.
#pragma once

namespace regcred::pull {

// curl_global_init, with OpenSSL's error texts loaded only for the libraries whose errors reach
// regcred's messages (TLS, certificates, keys, PEM files). Safe to call from any thread, any
// number of times. Returns false when libcurl did not initialise.
bool init_transport();

}  // namespace regcred::pull

// Debian's libcurl loads GnuTLS (through librtmp and libldap, which regcred never uses), and
// GnuTLS initialises itself in a library constructor unless the program defines this function
// (GnuTLS's GNUTLS_SKIP_GLOBAL_INIT): its crypto back ends and p11-kit, resident in every process
// and time at each start. Written once in the main.cpp of each program that links
// libcurl; the program's link exports the symbol (--export-dynamic-symbol) so GnuTLS finds it.
#define REGCRED_SKIP_GNUTLS_INIT              \
  extern "C" int _gnutls_global_init_skip();  \
  extern "C" int _gnutls_global_init_skip() { \
    return 1;                                 \
  }
