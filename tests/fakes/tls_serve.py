"""serve_tls(handler, cert, key, port_file): a threading HTTPS server on 127.0.0.1, an ephemeral
port written atomically to port_file (tests wait for the file), serving forever."""
import os
import ssl
from http.server import ThreadingHTTPServer


def serve_tls(handler, cert, key, port_file):
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    srv.serve_forever()
