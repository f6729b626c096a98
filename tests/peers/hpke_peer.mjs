// SPDX-License-Identifier: Apache-2.0
// hpke_peer.mjs: an independent HPKE implementation (@hpke/core, RFC 9180)
// for Keyward's interop tests. Reads hex arguments, prints name=hex lines.
//
//   keypair CURVE                              -> pk, sk
//   encap   CURVE PK                           -> enc, ss  (the KEM alone)
//   decap   CURVE SK PK ENC                    -> ss
//   seal    CURVE PK INFO AAD PT               -> enc, ct  (HPKE base mode)
//   open    CURVE SK PK ENC INFO AAD CT        -> pt
//
// CURVE: P-256 (HKDF-SHA256, AES-128-GCM), P-384 (HKDF-SHA384, AES-256-GCM),
// P-521 (HKDF-SHA512, AES-256-GCM).
import {
  Aes128Gcm, Aes256Gcm, CipherSuite, DhkemP256HkdfSha256,
  DhkemP384HkdfSha384, DhkemP521HkdfSha512, HkdfSha256, HkdfSha384,
  HkdfSha512,
} from "@hpke/core";

const suites = {
  "P-256": () => [new DhkemP256HkdfSha256(), new HkdfSha256(), new Aes128Gcm()],
  "P-384": () => [new DhkemP384HkdfSha384(), new HkdfSha384(), new Aes256Gcm()],
  "P-521": () => [new DhkemP521HkdfSha512(), new HkdfSha512(), new Aes256Gcm()],
};

const unhex = (h) => new Uint8Array((h.match(/../g) ?? []).map((b) => parseInt(b, 16)));
const hex = (b) => Buffer.from(new Uint8Array(b)).toString("hex");
const out = (name, v) => console.log(`${name}=${hex(v)}`);

async function main(argv) {
  const [cmd, curve, ...args] = argv;
  if (!(curve in suites))
    throw new Error(`unknown curve ${curve}`);
  const [kem, kdf, aead] = suites[curve]();
  const suite = new CipherSuite({ kem, kdf, aead });
  const pair = async (sk, pk) => ({
    privateKey: await kem.deserializePrivateKey(unhex(sk)),
    publicKey: await kem.deserializePublicKey(unhex(pk)),
  });

  switch (cmd) {
  case "keypair": {
    const kp = await kem.generateKeyPair();
    out("pk", await kem.serializePublicKey(kp.publicKey));
    out("sk", await kem.serializePrivateKey(kp.privateKey));
    break;
  }
  case "encap": {
    const r = await kem.encap({ recipientPublicKey: await kem.deserializePublicKey(unhex(args[0])) });
    out("enc", r.enc);
    out("ss", r.sharedSecret);
    break;
  }
  case "decap": {
    const ss = await kem.decap({ recipientKey: await pair(args[0], args[1]), enc: unhex(args[2]) });
    out("ss", ss);
    break;
  }
  case "seal": {
    const r = await suite.seal(
      { recipientPublicKey: await kem.deserializePublicKey(unhex(args[0])), info: unhex(args[1]) },
      unhex(args[3]), unhex(args[2]));
    out("enc", r.enc);
    out("ct", r.ct);
    break;
  }
  case "open": {
    const pt = await suite.open(
      { recipientKey: await pair(args[0], args[1]), enc: unhex(args[2]), info: unhex(args[3]) },
      unhex(args[5]), unhex(args[4]));
    out("pt", pt);
    break;
  }
  default:
    throw new Error(`unknown command ${cmd}`);
  }
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`hpke_peer: ${e.message ?? e}`);
  process.exit(1);
});
