#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""keyward_client.py: an example third-party client of keywardd in Python.

Uses only Debian's python3-grpcio and python3-protobuf (run it with
/usr/bin/python3) and messages generated from proto/keyward/v1/keyward.proto:

    protoc -I proto --python_out=OUT proto/keyward/v1/keyward.proto
    PYTHONPATH=OUT /usr/bin/python3 examples/python/keyward_client.py --help

No gRPC code generator is needed: each method is a unary call on
"/keyward.v1.Keyward/<Method>".
"""
import argparse
import sys

import grpc

from keyward.v1 import keyward_pb2 as pb


class Keyward:
    """A thin client: one method per RPC, raising grpc.RpcError on failure."""

    def __init__(self, socket_path, timeout=30.0):
        self.channel = grpc.insecure_channel("unix:" + socket_path)
        self.timeout = timeout

    def close(self):
        self.channel.close()

    def _call(self, method, request, response_type):
        stub = self.channel.unary_unary(
            "/keyward.v1.Keyward/" + method,
            request_serializer=type(request).SerializeToString,
            response_deserializer=response_type.FromString)
        return stub(request, timeout=self.timeout)

    def version(self):
        return self._call("GetVersion", pb.GetVersionRequest(), pb.GetVersionResponse)

    def list_keys(self):
        return self._call("ListKeys", pb.ListKeysRequest(), pb.ListKeysResponse).keys

    def public_key(self, key):
        return self._call("GetPublicKey", pb.GetPublicKeyRequest(key=key),
                          pb.GetPublicKeyResponse)

    def sign(self, key, message, scheme=pb.SIGNATURE_SCHEME_UNSPECIFIED):
        return self._call("Sign", pb.SignRequest(key=key, scheme=scheme, message=message),
                          pb.SignResponse)

    def random(self, n):
        return self._call("GetRandom", pb.GetRandomRequest(length=n), pb.GetRandomResponse).data

    def encapsulate(self, spki):
        return self._call("Encapsulate", pb.EncapsulateRequest(peer_spki=spki),
                          pb.EncapsulateResponse)

    def decapsulate(self, key, ciphertext):
        return self._call("Decapsulate", pb.DecapsulateRequest(key=key, ciphertext=ciphertext),
                          pb.DecapsulateResponse).handle

    def seal(self, handle, plaintext, aad=b""):
        return self._call("Seal", pb.SealRequest(handle=handle, plaintext=plaintext, aad=aad),
                          pb.SealResponse)

    def open(self, handle, sequence, ciphertext, aad=b""):
        return self._call("Open", pb.OpenRequest(handle=handle, sequence=sequence,
                                                 ciphertext=ciphertext, aad=aad),
                          pb.OpenResponse).plaintext

    def rekey(self, handle):
        return self._call("Rekey", pb.RekeyRequest(handle=handle), pb.RekeyResponse).epoch

    def close_session(self, handle):
        self._call("CloseSession", pb.CloseSessionRequest(handle=handle),
                   pb.CloseSessionResponse)

    def metrics(self):
        return self._call("GetMetrics", pb.GetMetricsRequest(), pb.GetMetricsResponse)


def demo(kw, args):
    v = kw.version()
    print(f"keywardd {v.version} (API v{v.api_version}, {v.openssl_version})")
    for k in kw.list_keys():
        ops = ",".join(pb.Operation.Name(o).removeprefix("OPERATION_").lower()
                       for o in k.operations)
        print(f"  key {k.name}: {pb.KeyType.Name(k.type)} {k.bits} bits {k.group} [{ops}]")

    message = open(args.message_file, "rb").read()
    sig = kw.sign(args.sign_key, message)
    with open(args.signature_out, "wb") as f:
        f.write(sig.signature)
    print(f"signed {len(message)} bytes with {args.sign_key}: "
          f"{pb.SignatureScheme.Name(sig.scheme)}, {len(sig.signature)} bytes")
    if args.spki_out:
        with open(args.spki_out, "wb") as f:
            f.write(kw.public_key(args.sign_key).spki)

    assert len(kw.random(32)) == 32

    # A session pair: encapsulate to the KEM key's public key, decapsulate
    # with the key inside keywardd, then talk across the pair.
    spki = kw.public_key(args.kem_key).spki
    enc = kw.encapsulate(spki)
    responder = kw.decapsulate(args.kem_key, enc.ciphertext)
    sealed = kw.seal(enc.handle, b"hello from python", aad=b"demo")
    assert kw.open(responder, sealed.sequence, sealed.ciphertext, aad=b"demo") == b"hello from python"
    assert kw.rekey(enc.handle) == 1 and kw.rekey(responder) == 1
    sealed = kw.seal(responder, b"after rekey")
    assert kw.open(enc.handle, sealed.sequence, sealed.ciphertext) == b"after rekey"
    kw.close_session(enc.handle)
    kw.close_session(responder)
    print("session: seal/open/rekey OK")

    # Errors come back as gRPC status codes with a message.
    try:
        kw.sign("no-such-key", b"x")
        raise SystemExit("FAIL: an unknown key was accepted")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.NOT_FOUND, e.code()
        print(f"unknown key: {e.code().name}: {e.details()}")
    try:
        kw.seal(enc.handle, b"x")
        raise SystemExit("FAIL: a closed session was usable")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.NOT_FOUND, e.code()

    m = kw.metrics()
    calls = {mm.method: mm.calls for mm in m.methods}
    print(f"metrics: Sign={calls['Sign']} Seal={calls['Seal']} sessions_open={m.sessions_open}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", default="/run/keyward/keywardd.sock")
    ap.add_argument("--sign-key", default="ec256")
    ap.add_argument("--kem-key", default="rsa2048")
    ap.add_argument("--message-file", required=True)
    ap.add_argument("--signature-out", required=True)
    ap.add_argument("--spki-out")
    args = ap.parse_args()
    kw = Keyward(args.socket)
    try:
        demo(kw, args)
    except grpc.RpcError as e:
        print(f"keywardd: {e.code().name}: {e.details()}", file=sys.stderr)
        return 1
    finally:
        kw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
