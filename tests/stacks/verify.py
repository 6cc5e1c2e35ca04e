"""Python cryptography's X.509 verifier (43 or later) on each case folder
below sys.argv[1]: the leaf (leaf.pem) checked for a TLS server named
localhost against the trust anchors (anchors.pem) through the
intermediates (chain.pem), now. Prints one JSON object: case name ->
{"accepted", "detail"}. Run by tests/tests/stacks.rs."""

import json
import os
import sys

from cryptography import x509
from cryptography.x509.verification import DNSName, PolicyBuilder, Store


def certificates(path):
    with open(path, "rb") as f:
        data = f.read()
    return x509.load_pem_x509_certificates(data) if data.strip() else []


def check(folder):
    anchors = certificates(os.path.join(folder, "anchors.pem"))
    chain = certificates(os.path.join(folder, "chain.pem"))
    leaf = certificates(os.path.join(folder, "leaf.pem"))[0]
    verifier = PolicyBuilder().store(Store(anchors)).build_server_verifier(DNSName("localhost"))
    verifier.verify(leaf, chain)


def main():
    out = {}
    root = sys.argv[1]
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if not os.path.isdir(folder):
            continue
        try:
            check(folder)
            out[name] = {"accepted": True, "detail": ""}
        except Exception as e:  # a refusal, whatever raised it (parse or verify)
            out[name] = {"accepted": False, "detail": f"{type(e).__name__}: {e}"}
    print(json.dumps(out))


main()
