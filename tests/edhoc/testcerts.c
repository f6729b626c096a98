/* SPDX-License-Identifier: Apache-2.0 */
/* testcerts.c: P-256 keys and X.509 certificates made at test time. */
#include <stdbool.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "testcerts.h"

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    int ok;

    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL)
        return 0;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

int tc_cert_make(struct tc_cert *c, const char *cn,
                 const struct tc_cert *issuer, const char *keytype)
{
    static long serial = 1;
    X509_NAME *name = NULL;
    bool ed = strcmp(keytype, "ED25519") == 0;
    uint8_t *p;
    int len;

    memset(c, 0, sizeof(*c));
    c->key = ed ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
                : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (c->key == NULL || (c->x509 = X509_new()) == NULL ||
        (name = X509_NAME_new()) == NULL)
        goto err;
    if (!X509_set_version(c->x509, X509_VERSION_3) ||
        !ASN1_INTEGER_set(X509_get_serialNumber(c->x509), serial++) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    (const unsigned char *)cn, -1, -1, 0) ||
        !X509_set_subject_name(c->x509, name) ||
        !X509_set_issuer_name(
            c->x509, issuer ? X509_get_subject_name(issuer->x509) : name) ||
        !X509_gmtime_adj(X509_getm_notBefore(c->x509), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(c->x509), 86400) ||
        !X509_set_pubkey(c->x509, c->key))
        goto err;
    if (issuer == NULL ? !add_ext(c->x509, c->x509, NID_basic_constraints,
                                  "critical,CA:TRUE") ||
                             !add_ext(c->x509, c->x509, NID_key_usage,
                                      "critical,keyCertSign")
                       : !add_ext(c->x509, issuer->x509, NID_basic_constraints,
                                  "CA:FALSE"))
        goto err;
    {
        EVP_PKEY *sk = issuer ? issuer->key : c->key;
        bool sk_ed = EVP_PKEY_is_a(sk, "ED25519");
        if (!X509_sign(c->x509, sk, sk_ed ? NULL : EVP_sha256()))
            goto err;
    }
    if ((len = i2d_X509(c->x509, NULL)) <= 0 ||
        (c->der = OPENSSL_malloc((size_t)len)) == NULL)
        goto err;
    p = c->der;
    c->der_len = (size_t)i2d_X509(c->x509, &p);
    X509_NAME_free(name);
    return 1;
err:
    X509_NAME_free(name);
    tc_cert_free(c);
    return 0;
}

void tc_cert_free(struct tc_cert *c)
{
    EVP_PKEY_free(c->key);
    X509_free(c->x509);
    OPENSSL_free(c->der);
    memset(c, 0, sizeof(*c));
}
