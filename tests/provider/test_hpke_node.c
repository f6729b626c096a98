/* SPDX-License-Identifier: Apache-2.0 */
/* test_hpke_node.c: an independent HPKE implementation (@hpke/core from
 * the npm registry, run with the machine's Node.js) against keyward, for
 * DHKEM(P-256), DHKEM(P-384) and DHKEM(P-521): the peer encapsulates (and
 * seals an HPKE message) to a key in the token and keyward decapsulates;
 * keyward encapsulates to the peer's key and the peer decapsulates (and
 * opens). The npm package is installed by ci/install-deps.sh, never here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "hpke_sched.h"
#include "kem_run.h"
#include "provtest.h"

#define NODE "/usr/bin/node"

static char peer_script[1024];

static void hex_of(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    out[2 * n] = '\0';
}

/* Runs the peer with args; its name=hex lines go to out. */
static bool peer(const char *args, char *out, size_t outsize)
{
    char cmd[4096];
    size_t n = 0;
    FILE *p;
    int rc;

    snprintf(cmd, sizeof(cmd), "%s %s %s", NODE, peer_script, args);
    if ((p = popen(cmd, "r")) == NULL)
        return false;
    n = fread(out, 1, outsize - 1, p);
    out[n] = '\0';
    rc = pclose(p);
    if (rc != 0)
        fprintf(stderr, "  peer failed (%d): %s\n", rc, args);
    return rc == 0;
}

/* The bytes of "name=hex" in the peer's output. */
static uint8_t *field(const char *out, const char *name, size_t *len)
{
    char key[32], hex[2048];
    const char *p;
    size_t n = 0;

    snprintf(key, sizeof(key), "%s=", name);
    if ((p = strstr(out, key)) == NULL)
        return NULL;
    p += strlen(key);
    while (p[n] != '\0' && p[n] != '\n' && n < sizeof(hex) - 1) {
        hex[n] = p[n];
        n++;
    }
    hex[n] = '\0';
    return tu_hex(hex, len);
}

static const struct {
    const char *curve, *group, *var;
} curves[] = {
    {"P-256", "prime256v1", "KW_EC256_URI"},
    {"P-384", "secp384r1", "KW_EC384_URI"},
    {"P-521", "secp521r1", "KW_EC521_URI"},
};

/* The peer encapsulates to the token key; keyward decapsulates. */
static int peer_to_keyward(size_t i)
{
    const struct hs_suite *hs = hs_suite(curves[i].curve);
    EVP_PKEY *k = pt_load_key(pt_uri_pin(curves[i].var), OSSL_STORE_INFO_PKEY);
    uint8_t pk[133], ss[64], key[32], nonce[12], pt[64];
    size_t pklen = 0, sslen = sizeof(ss), elen = 0, plen = 0, clen = 0;
    char pkhex[300], args[2048], out[4096];
    uint8_t *enc = NULL, *pss = NULL, *ct = NULL;
    int ok = TEST_ptr(hs) && TEST_ptr(k) &&
             TEST_true(EVP_PKEY_get_octet_string_param(k, "encoded-pub-key", pk,
                                                       sizeof(pk), &pklen));

    if (!ok)
        goto out;
    hex_of(pk, pklen, pkhex);
    /* The KEM alone. */
    snprintf(args, sizeof(args), "encap %s %s", curves[i].curve, pkhex);
    ok = TEST_true(peer(args, out, sizeof(out))) &&
         TEST_ptr(enc = field(out, "enc", &elen)) &&
         TEST_ptr(pss = field(out, "ss", &plen)) &&
         TEST_true(kr_decap(k, enc, elen, ss, &sslen)) &&
         TEST_mem_eq(ss, sslen, pss, plen);
    free(enc);
    enc = NULL;
    /* A whole HPKE message (base mode, info and AAD). */
    snprintf(args, sizeof(args), "seal %s %s 696e666f 616164 %s",
             curves[i].curve, pkhex, "6b6579207761726420746f20706565722e");
    sslen = sizeof(ss);
    ok = ok && TEST_true(peer(args, out, sizeof(out))) &&
         TEST_ptr(enc = field(out, "enc", &elen)) &&
         TEST_ptr(ct = field(out, "ct", &clen)) &&
         TEST_true(kr_decap(k, enc, elen, ss, &sslen)) &&
         TEST_true(hs_key_schedule(hs, ss, sslen, (const uint8_t *)"info", 4,
                                   key, nonce)) &&
         TEST_true(hs_open(hs, key, nonce, (const uint8_t *)"aad", 3, ct, clen,
                           pt)) &&
         TEST_mem_eq(pt, clen - 16, "key ward to peer.", 17);
out:
    if (!ok)
        fprintf(stderr, "  peer -> keyward, %s\n", curves[i].curve);
    pt_errors();
    free(enc);
    free(pss);
    free(ct);
    EVP_PKEY_free(k);
    return ok;
}

/* Keyward encapsulates to the peer's key (an ordinary EC public key); the
 * peer decapsulates and opens. */
static int keyward_to_peer(size_t i)
{
    const struct hs_suite *hs = hs_suite(curves[i].curve);
    char args[4096], out[4096], pkhex[300], skhex[200], enchex[300], cthex[200];
    uint8_t *pk = NULL, *sk = NULL, *pss = NULL, *ppt = NULL;
    size_t pklen = 0, sklen = 0, plen = 0, elen, sslen, pptlen = 0;
    uint8_t enc[133], ss[64], key[32], nonce[12], ct[64];
    static const char msg[] = "peer from keyward";
    EVP_PKEY *pub = NULL;
    int ok = TEST_ptr(hs);

    snprintf(args, sizeof(args), "keypair %s", curves[i].curve);
    ok = ok && TEST_true(peer(args, out, sizeof(out))) &&
         TEST_ptr(pk = field(out, "pk", &pklen)) &&
         TEST_ptr(sk = field(out, "sk", &sklen)) &&
         TEST_ptr(pub = kr_default_ec_pub(curves[i].group, pk, pklen));
    if (!ok)
        goto out;
    hex_of(pk, pklen, pkhex);
    hex_of(sk, sklen, skhex);
    /* The KEM alone. */
    elen = sizeof(enc);
    sslen = sizeof(ss);
    ok = TEST_true(kr_encap(pub, NULL, NULL, 0, enc, &elen, ss, &sslen));
    if (ok) {
        hex_of(enc, elen, enchex);
        snprintf(args, sizeof(args), "decap %s %s %s %s", curves[i].curve,
                 skhex, pkhex, enchex);
        ok = TEST_true(peer(args, out, sizeof(out))) &&
             TEST_ptr(pss = field(out, "ss", &plen)) &&
             TEST_mem_eq(ss, sslen, pss, plen);
    }
    /* A whole HPKE message. */
    elen = sizeof(enc);
    sslen = sizeof(ss);
    ok = ok && TEST_true(kr_encap(pub, NULL, NULL, 0, enc, &elen, ss, &sslen)) &&
         TEST_true(hs_key_schedule(hs, ss, sslen, (const uint8_t *)"info", 4,
                                   key, nonce)) &&
         TEST_true(hs_seal(hs, key, nonce, (const uint8_t *)"aad", 3,
                           (const uint8_t *)msg, strlen(msg), ct));
    if (ok) {
        hex_of(enc, elen, enchex);
        hex_of(ct, strlen(msg) + 16, cthex);
        snprintf(args, sizeof(args), "open %s %s %s %s 696e666f 616164 %s",
                 curves[i].curve, skhex, pkhex, enchex, cthex);
        ok = TEST_true(peer(args, out, sizeof(out))) &&
             TEST_ptr(ppt = field(out, "pt", &pptlen)) &&
             TEST_mem_eq(ppt, pptlen, msg, strlen(msg));
    }
out:
    if (!ok)
        fprintf(stderr, "  keyward -> peer, %s\n", curves[i].curve);
    pt_errors();
    free(pk);
    free(sk);
    free(pss);
    free(ppt);
    EVP_PKEY_free(pub);
    return ok;
}

static int test_peer_to_keyward(void)
{
    int ok = 1;

    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
        ok &= peer_to_keyward(i);
    return ok;
}

static int test_keyward_to_peer(void)
{
    int ok = 1;

    for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
        ok &= keyward_to_peer(i);
    return ok;
}

int main(int argc, char **argv)
{
    const char *src = getenv("KW_SOURCE_DIR");
    char mod[1024];
    int rc;

    if (src == NULL) {
        fprintf(stderr, "KW_SOURCE_DIR is not set (run through ctest)\n");
        return 1;
    }
    snprintf(peer_script, sizeof(peer_script), "%s/tests/peers/hpke_peer.mjs",
             src);
    snprintf(mod, sizeof(mod),
             "%s/tests/peers/node_modules/@hpke/core/package.json", src);
    if (access(NODE, X_OK) != 0) {
        fprintf(stderr, "Node.js (%s) is missing: run ci/install-deps.sh\n",
                NODE);
        return 1;
    }
    if (access(mod, R_OK) != 0) {
        fprintf(stderr,
                "tests/peers/node_modules is missing (the npm HPKE peer "
                "@hpke/core): run ci/install-deps.sh, which installs it from "
                "tests/peers/package-lock.json\n");
        return 1;
    }
    if (!pt_init(NULL))
        return 1;
    ADD_TEST(test_peer_to_keyward);
    ADD_TEST(test_keyward_to_peer);
    rc = tu_run(argc, argv);
    pt_fini();
    return rc;
}
