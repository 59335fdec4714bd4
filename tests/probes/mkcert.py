#!/usr/bin/python3
"""mkcert.py CA_CRT CA_KEY OUT_PREFIX [--dns NAME]... [--ip ADDR]... [--expired] [--self-signed]

A server certificate for the pull-test classes: signed by the test CA (or self-signed), for the
names given, valid now or (--expired) only in 2020. Writes OUT_PREFIX.crt and OUT_PREFIX.key.
"""
import argparse
import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ap = argparse.ArgumentParser()
ap.add_argument("ca_crt")
ap.add_argument("ca_key")
ap.add_argument("out")
ap.add_argument("--dns", action="append", default=[])
ap.add_argument("--ip", action="append", default=[])
ap.add_argument("--expired", action="store_true")
ap.add_argument("--self-signed", action="store_true")
a = ap.parse_args()

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, (a.dns + a.ip + ["regcred-test"])[0])])
if a.self_signed:
    issuer, signer = name, key
else:
    ca = x509.load_pem_x509_certificate(open(a.ca_crt, "rb").read())
    issuer = ca.subject
    signer = serialization.load_pem_private_key(open(a.ca_key, "rb").read(), None)
now = datetime.datetime.now(datetime.timezone.utc)
if a.expired:
    start, end = datetime.datetime(2020, 1, 1), datetime.datetime(2020, 1, 2)
else:
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2)
sans = [x509.DNSName(d) for d in a.dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in a.ip]
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(signer, hashes.SHA256()))
open(a.out + ".crt", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(a.out + ".key", "wb").write(key.private_bytes(serialization.Encoding.PEM,
                                                   serialization.PrivateFormat.TraditionalOpenSSL,
                                                   serialization.NoEncryption()))
