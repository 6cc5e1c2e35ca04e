# The seven openssl commands of the blog post "Mutual TLS (mTLS)", published
# on the Cogs and Levers blog, which certplay grew out of: word for word
# (output silenced). They make a CA, then a key, a CSR and a certificate for
# the server (CN=localhost) and the client (CN=my-client); the certificates
# are X.509 v1 without subjectAltName. The post then serves them with a
# Node https server (`requestCert`, `rejectUnauthorized`; tests/tests/node.rs
# has it) and calls it with
#   curl --cacert ca.crt --key client.key --cert client.crt https://localhost:3000
# Used by tests/tests/openssl_made.rs and `cargo xtask bench`.
set -e
openssl req -new -x509 -nodes -days 365 -subj '/CN=my-ca' -keyout ca.key -out ca.crt 2>/dev/null
openssl genrsa -out server.key 2048 2>/dev/null
openssl req -new -key server.key -subj '/CN=localhost' -out server.csr
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -out server.crt 2>/dev/null
openssl genrsa -out client.key 2048 2>/dev/null
openssl req -new -key client.key -subj '/CN=my-client' -out client.csr
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -out client.crt 2>/dev/null
