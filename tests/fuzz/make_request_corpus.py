#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# make_request_corpus.py: writes the seed corpus of fuzz_request (one valid
# request per method plus edge cases). Run from the source tree with the
# protoc --python_out messages on PYTHONPATH:
#   protoc -I proto --python_out=/tmp/py proto/keyward/v1/keyward.proto
#   PYTHONPATH=/tmp/py tests/fuzz/make_request_corpus.py tests/fuzz/corpus/request
import os
import sys

from keyward.v1 import keyward_pb2 as pb

# Method order of svc_methods[] in service/dispatch.c.
METHODS = ["GetVersion", "ListTokens", "ListKeys", "GetPublicKey", "Sign", "SignBatch",
           "Verify", "Encapsulate", "Decapsulate", "Ecdh", "Seal", "Open",
           "DeriveSession", "Rekey", "ExportSession", "CloseSession", "GetRandom",
           "GetMetrics", "StartAssociation", "AcceptAssociation", "ContinueAssociation",
           "SealMessage", "OpenMessage", "UpdateKeys", "ExportOscore", "GetAssociation",
           "CloseAssociation"]
# RFC 9529 trace 2 message_1 (method 3, suites [6, 2]); a protected message
# of docs/PROTECTED-MESSAGES.md section 9 (kid 18).
M1 = bytes.fromhex("0382060258208af6f430ebe18d34184017a9a11bf511c8dff8f834730b96c1b7"
                   "c8dbca2fc3b637")
PMSG = bytes.fromhex("8340a20441180641004d899e90e6963d7d1db19ec31e68")
H = b"\xaa" * 16  # the harness swaps this for a live session handle

seeds = {
    "GetVersion": [pb.GetVersionRequest()],
    "ListTokens": [pb.ListTokensRequest()],
    "ListKeys": [pb.ListKeysRequest()],
    "GetPublicKey": [pb.GetPublicKeyRequest(key="ec"), pb.GetPublicKeyRequest(key="x" * 70)],
    "Sign": [pb.SignRequest(key="ec", message=b"m"),
             pb.SignRequest(key="ed", message=b"m" * 100),
             pb.SignRequest(key="rsa", scheme=pb.SIGNATURE_SCHEME_RSA_PSS_SHA256, digest=b"d" * 32),
             pb.SignRequest(key="ec", scheme=pb.SIGNATURE_SCHEME_ED25519, digest=b"d" * 48)],
    "SignBatch": [pb.SignBatchRequest(key="ec", digests=[b"a" * 32, b"b" * 32])],
    "Verify": [pb.VerifyRequest(key="ec", message=b"m", signature=b"\x30\x06\x02\x01\x01\x02\x01\x01"),
               pb.VerifyRequest(spki=b"\x30\x03\x02\x01\x00", digest=b"d" * 32, signature=b"s")],
    "Encapsulate": [pb.EncapsulateRequest(peer_spki=b"\x30\x00", aead=pb.AEAD_AES_128_GCM)],
    "Decapsulate": [pb.DecapsulateRequest(key="rsa", ciphertext=b"c" * 128),
                    pb.DecapsulateRequest(key="rsa", ciphertext=b"c" * 127, role=pb.ROLE_INITIATOR)],
    "Ecdh": [pb.EcdhRequest(key="ec", peer_spki=b"\x30\x00", role=pb.ROLE_RESPONDER)],
    "Seal": [pb.SealRequest(handle=H, plaintext=b"p" * 40, aad=b"a"),
             pb.SealRequest(handle=b"\x01" * 16, plaintext=b"p")],
    "Open": [pb.OpenRequest(handle=H, sequence=0, ciphertext=b"c" * 40),
             pb.OpenRequest(handle=H, sequence=2**64 - 1, ciphertext=b"c" * 8)],
    "DeriveSession": [pb.DeriveSessionRequest(handle=H, label="child")],
    "Rekey": [pb.RekeyRequest(handle=H)],
    "ExportSession": [pb.ExportSessionRequest(handle=H, label="x", length=32),
                      pb.ExportSessionRequest(handle=H, label="x", length=1000)],
    "CloseSession": [pb.CloseSessionRequest(handle=H)],
    "GetRandom": [pb.GetRandomRequest(length=16), pb.GetRandomRequest(length=5000)],
    "GetMetrics": [pb.GetMetricsRequest()],
    "StartAssociation": [pb.StartAssociationRequest(identity="id"),
                         pb.StartAssociationRequest(identity="id", method=1, suites=[2, 9]),
                         pb.StartAssociationRequest(identity="id", ead=[pb.EadItem(label=-3, value=b"v")])],
    "AcceptAssociation": [pb.AcceptAssociationRequest(identity="id", message=M1),
                          pb.AcceptAssociationRequest(identity="id", message=M1[:-3]),
                          pb.AcceptAssociationRequest(identity="nope", message=M1)],
    "ContinueAssociation": [pb.ContinueAssociationRequest(handle=b"\x01" * 16, message=M1)],
    "SealMessage": [pb.SealMessageRequest(handle=b"\x01" * 16, plaintext=b"p" * 64)],
    "OpenMessage": [pb.OpenMessageRequest(message=PMSG),
                    pb.OpenMessageRequest(handle=b"\x01" * 16, message=PMSG[:-1])],
    "UpdateKeys": [pb.UpdateKeysRequest(handle=b"\x01" * 16)],
    "ExportOscore": [pb.ExportOscoreRequest(handle=b"\x01" * 16)],
    "GetAssociation": [pb.GetAssociationRequest(handle=b"\x02" * 16)],
    "CloseAssociation": [pb.CloseAssociationRequest(handle=b"\x02" * 16)],
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for i, name in enumerate(METHODS):
    for j, msg in enumerate(seeds[name]):
        for caller in (0, 1):
            with open(os.path.join(out, f"{name}-{j}-uid{caller}"), "wb") as f:
                f.write(bytes([i, caller]) + msg.SerializeToString())
# Malformed: truncated varint, bad wire type, huge length, unknown fields.
for name, body in {"junk-varint": b"\x0a\xff\xff\xff\xff\xff",
                   "junk-wiretype": b"\x0f\x01",
                   "junk-length": b"\x1a\xff\xff\x03abc",
                   "unknown-field": b"\xf8\x07\x01\x0a\x02ec"}.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([4, 0]) + body)
