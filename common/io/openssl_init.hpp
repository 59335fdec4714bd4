// openssl_init.hpp: OpenSSL's process-wide start-up, once, before the first TLS connection.
#pragma once

namespace regcred::io {

// OPENSSL_init_ssl with the error texts loaded only for the libraries whose errors reach
// regcred's messages (TLS, certificates, keys, PEM files). Safe to call from any thread, any
// number of times.
void init_openssl();

}  // namespace regcred::io
