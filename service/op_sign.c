/* SPDX-License-Identifier: Apache-2.0 */
/* op_sign.c: Sign, SignBatch and Verify through EVP (ECDSA, EdDSA, RSA PKCS#1
 * v1.5 and PSS). */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "keyward/v1/keyward.pb.h"
#include "svc.h"

enum pad { PAD_NONE, PAD_PKCS1, PAD_PSS };

struct scheme {
    keyward_v1_SignatureScheme id;
    const char *keytype; /* EVP_PKEY_is_a name */
    const char *md;      /* NULL: EdDSA, message only */
    size_t mdlen;
    enum pad pad;
};

static const struct scheme schemes[] = {
    {keyward_v1_SignatureScheme_SIGNATURE_SCHEME_ECDSA_SHA256, "EC", "SHA256",
     32, PAD_NONE},
    {keyward_v1_SignatureScheme_SIGNATURE_SCHEME_ECDSA_SHA384, "EC", "SHA384",
     48, PAD_NONE},
    {keyward_v1_SignatureScheme_SIGNATURE_SCHEME_ECDSA_SHA512, "EC", "SHA512",
     64, PAD_NONE},
    {keyward_v1_SignatureScheme_SIGNATURE_SCHEME_ED25519, "ED25519", NULL, 0,
     PAD_NONE},
    {keyward_v1_SignatureScheme_SIGNATURE_SCHEME_ED448, "ED448", NULL, 0,
     PAD_NONE},
    {keyward_v1_SignatureScheme_SIGNATURE_SCHEME_RSA_PKCS1_SHA256, "RSA",
     "SHA256", 32, PAD_PKCS1},
    {keyward_v1_SignatureScheme_SIGNATURE_SCHEME_RSA_PKCS1_SHA384, "RSA",
     "SHA384", 48, PAD_PKCS1},
    {keyward_v1_SignatureScheme_SIGNATURE_SCHEME_RSA_PKCS1_SHA512, "RSA",
     "SHA512", 64, PAD_PKCS1},
    {keyward_v1_SignatureScheme_SIGNATURE_SCHEME_RSA_PSS_SHA256, "RSA",
     "SHA256", 32, PAD_PSS},
    {keyward_v1_SignatureScheme_SIGNATURE_SCHEME_RSA_PSS_SHA384, "RSA",
     "SHA384", 48, PAD_PSS},
    {keyward_v1_SignatureScheme_SIGNATURE_SCHEME_RSA_PSS_SHA512, "RSA",
     "SHA512", 64, PAD_PSS},
};

/* The scheme for a key: the requested one if the key can do it, else the
 * key type's default. */
static int scheme_for(struct svc_call *c, EVP_PKEY *pk,
                      keyward_v1_SignatureScheme want,
                      const struct scheme **out)
{
    keyward_v1_SignatureScheme id = want;
    if (id == keyward_v1_SignatureScheme_SIGNATURE_SCHEME_UNSPECIFIED) {
        if (EVP_PKEY_is_a(pk, "EC")) {
            int bits = EVP_PKEY_get_bits(pk);
            id = bits <= 256
                     ? keyward_v1_SignatureScheme_SIGNATURE_SCHEME_ECDSA_SHA256
                 : bits <= 384
                     ? keyward_v1_SignatureScheme_SIGNATURE_SCHEME_ECDSA_SHA384
                     : keyward_v1_SignatureScheme_SIGNATURE_SCHEME_ECDSA_SHA512;
        } else if (EVP_PKEY_is_a(pk, "ED25519")) {
            id = keyward_v1_SignatureScheme_SIGNATURE_SCHEME_ED25519;
        } else if (EVP_PKEY_is_a(pk, "ED448")) {
            id = keyward_v1_SignatureScheme_SIGNATURE_SCHEME_ED448;
        } else if (EVP_PKEY_is_a(pk, "RSA")) {
            id = keyward_v1_SignatureScheme_SIGNATURE_SCHEME_RSA_PSS_SHA256;
        }
    }
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (schemes[i].id == id) {
            if (!EVP_PKEY_is_a(pk, schemes[i].keytype))
                return svc_fail(c, SVC_INVALID_ARGUMENT,
                                "signature scheme %d does not fit this key "
                                "(a %s key is needed)",
                                (int)id, schemes[i].keytype);
            *out = &schemes[i];
            return SVC_OK;
        }
    return svc_fail(c, SVC_INVALID_ARGUMENT,
                    "unknown signature scheme %d, or none fits this key",
                    (int)id);
}

static void scheme_params(const struct scheme *s, bool with_md, OSSL_PARAM *p)
{
    if (s->pad == PAD_PKCS1)
        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE,
                                                (char *)"pkcs1", 0);
    if (s->pad == PAD_PSS) {
        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE,
                                                (char *)"pss", 0);
        *p++ = OSSL_PARAM_construct_utf8_string(
            OSSL_SIGNATURE_PARAM_MGF1_DIGEST, (char *)s->md, 0);
        /* Salt as long as the digest: what TPMs and most tokens accept. */
        *p++ = OSSL_PARAM_construct_utf8_string(
            OSSL_SIGNATURE_PARAM_PSS_SALTLEN, (char *)"digest", 0);
    }
    if (with_md && s->md != NULL)
        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST,
                                                (char *)s->md, 0);
    *p = OSSL_PARAM_construct_end();
}

static int check_input(struct svc_call *c, const struct scheme *s,
                       bool is_digest, size_t len)
{
    if (is_digest && s->md == NULL)
        return svc_fail(c, SVC_INVALID_ARGUMENT,
                        "EdDSA signs the message itself: send 'message', not "
                        "'digest'");
    if (is_digest && len != s->mdlen)
        return svc_fail(c, SVC_INVALID_ARGUMENT,
                        "digest is %zu bytes; %s needs %zu", len, s->md,
                        s->mdlen);
    return SVC_OK;
}

/* Signs data (a message, or a digest when is_digest) into sig. */
static int sign_one(struct svc_call *c, EVP_PKEY *pk, const struct scheme *s,
                    bool is_digest, const uint8_t *data, size_t len,
                    uint8_t *sig, size_t *siglen)
{
    OSSL_PARAM params[6];
    int rc = check_input(c, s, is_digest, len);
    if (rc != SVC_OK)
        return rc;
    if ((size_t)EVP_PKEY_get_size(pk) > *siglen)
        return svc_fail(c, SVC_OUT_OF_RANGE, "signature would exceed %zu bytes",
                        *siglen);
    if (is_digest) {
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(c->cfg->libctx, pk, NULL);
        scheme_params(s, true, params);
        rc = pc != NULL && EVP_PKEY_sign_init_ex(pc, params) == 1 &&
             EVP_PKEY_sign(pc, sig, siglen, data, len) == 1;
        EVP_PKEY_CTX_free(pc);
    } else {
        EVP_MD_CTX *mc = EVP_MD_CTX_new();
        scheme_params(s, false, params);
        rc = mc != NULL &&
             EVP_DigestSignInit_ex(mc, NULL, s->md, c->cfg->libctx, NULL, pk,
                                   params) == 1 &&
             EVP_DigestSign(mc, sig, siglen, data, len) == 1;
        EVP_MD_CTX_free(mc);
    }
    if (!rc)
        return svc_fail_ossl(c, SVC_UNAVAILABLE,
                             "the key's provider could not sign");
    return SVC_OK;
}

int svc_op_sign(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_SignRequest *q = req;
    keyward_v1_SignResponse *r = resp;
    const struct svc_key *k;
    const struct scheme *s;
    bool is_digest = q->which_input == keyward_v1_SignRequest_digest_tag;
    size_t siglen = sizeof(r->signature.bytes);
    int rc = svc_key_for(c, q->key, SVC_OP_SIGN, &k);

    if (rc != SVC_OK)
        return rc;
    if (q->which_input == 0)
        return svc_fail(c, SVC_INVALID_ARGUMENT, "set 'message' or 'digest'");
    rc = scheme_for(c, k->pkey, q->scheme, &s);
    if (rc != SVC_OK)
        return rc;
    rc = sign_one(c, k->pkey, s, is_digest,
                  is_digest ? q->input.digest.bytes : q->input.message.bytes,
                  is_digest ? q->input.digest.size : q->input.message.size,
                  r->signature.bytes, &siglen);
    if (rc != SVC_OK)
        return rc;
    r->signature.size = (pb_size_t)siglen;
    r->scheme = s->id;
    return SVC_OK;
}

int svc_op_sign_batch(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_SignBatchRequest *q = req;
    keyward_v1_SignBatchResponse *r = resp;
    const struct svc_key *k;
    const struct scheme *s;
    int rc = svc_key_for(c, q->key, SVC_OP_SIGN, &k);

    if (rc != SVC_OK)
        return rc;
    rc = scheme_for(c, k->pkey, q->scheme, &s);
    if (rc != SVC_OK)
        return rc;
    for (pb_size_t i = 0; i < q->digests_count; i++) {
        size_t siglen = sizeof(r->signatures[i].bytes);
        rc = sign_one(c, k->pkey, s, true, q->digests[i].bytes,
                      q->digests[i].size, r->signatures[i].bytes, &siglen);
        if (rc != SVC_OK)
            return rc;
        r->signatures[i].size = (pb_size_t)siglen;
        r->signatures_count++;
    }
    r->scheme = s->id;
    return SVC_OK;
}

int svc_op_verify(struct svc_call *c, const void *req, void *resp)
{
    const keyward_v1_VerifyRequest *q = req;
    keyward_v1_VerifyResponse *r = resp;
    const struct scheme *s;
    bool is_digest = q->which_input == keyward_v1_VerifyRequest_digest_tag;
    const uint8_t *data =
        is_digest ? q->input.digest.bytes : q->input.message.bytes;
    size_t len = is_digest ? q->input.digest.size : q->input.message.size;
    EVP_PKEY *pk = NULL;
    OSSL_PARAM params[6];
    int rc, v = 0;

    if (q->which_public_key == keyward_v1_VerifyRequest_key_tag) {
        const struct svc_key *k;
        rc = svc_key_for(c, q->public_key.key, SVC_OP_VERIFY, &k);
        if (rc != SVC_OK)
            return rc;
        pk = k->pkey;
        EVP_PKEY_up_ref(pk);
    } else if (q->which_public_key == keyward_v1_VerifyRequest_spki_tag) {
        pk = svc_pubkey_from_spki(c, q->public_key.spki.bytes,
                                  q->public_key.spki.size);
        if (pk == NULL)
            return SVC_INVALID_ARGUMENT;
    } else {
        return svc_fail(c, SVC_INVALID_ARGUMENT, "set 'key' or 'spki'");
    }
    if (q->which_input == 0) {
        rc = svc_fail(c, SVC_INVALID_ARGUMENT, "set 'message' or 'digest'");
        goto out;
    }
    rc = scheme_for(c, pk, q->scheme, &s);
    if (rc == SVC_OK)
        rc = check_input(c, s, is_digest, len);
    if (rc != SVC_OK)
        goto out;
    if (is_digest) {
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_pkey(c->cfg->libctx, pk, NULL);
        scheme_params(s, true, params);
        v = pc != NULL && EVP_PKEY_verify_init_ex(pc, params) == 1 &&
            EVP_PKEY_verify(pc, q->signature.bytes, q->signature.size, data,
                            len) == 1;
        EVP_PKEY_CTX_free(pc);
    } else {
        EVP_MD_CTX *mc = EVP_MD_CTX_new();
        scheme_params(s, false, params);
        v = mc != NULL &&
            EVP_DigestVerifyInit_ex(mc, NULL, s->md, c->cfg->libctx, NULL, pk,
                                    params) == 1 &&
            EVP_DigestVerify(mc, q->signature.bytes, q->signature.size, data,
                             len) == 1;
        EVP_MD_CTX_free(mc);
    }
    ERR_clear_error(); /* a bad signature is an answer, not an error */
    r->valid = v;
out:
    EVP_PKEY_free(pk);
    return rc;
}
