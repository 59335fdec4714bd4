// OpenSSL's default start-up loads the error texts of all its fifty-odd libraries: libcrypto
// pages touched in every process, most of it for CMS, OCSP, PKCS#7, time stamps and
// the like, which regcred never meets. The texts of the libraries a TLS handshake or a
// certificate or key file can fail in are loaded here instead, so a message still reads
// "SSL routines::wrong version number", not "reason(267)".
// ERR_load_SSL_strings and its siblings are deprecated in OpenSSL 3.0 (the start-up flags are
// the replacement), but they are the only way to load a chosen few; OpenSSL 3 still exports them.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "common/io/openssl_init.hpp"

#include <openssl/asn1err.h>
#include <openssl/bioerr.h>
#include <openssl/ecerr.h>
#include <openssl/evperr.h>
#include <openssl/pemerr.h>
#include <openssl/rsaerr.h>
#include <openssl/ssl.h>
#include <openssl/sslerr.h>
#include <openssl/x509err.h>
#include <openssl/x509v3err.h>

namespace regcred::io {

void init_openssl() {
  static const bool ready = [] {
    OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_SSL_STRINGS | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS |
                         OPENSSL_INIT_LOAD_CONFIG,
                     nullptr);
    ERR_load_SSL_strings();
    ERR_load_X509_strings();
    ERR_load_X509V3_strings();
    ERR_load_PEM_strings();
    ERR_load_EVP_strings();
    ERR_load_ASN1_strings();
    ERR_load_BIO_strings();
    ERR_load_RSA_strings();
    ERR_load_EC_strings();
    return true;
  }();
  (void)ready;
}

}  // namespace regcred::io
