/* SPDX-License-Identifier: Apache-2.0 */
/* prov_err.c: the provider's reason strings and the one place a CK_RV
 * becomes an OpenSSL error. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "prov.h"

/* OSSL_ITEM holds a void *: the strings stay read-only in practice. */
#define R(id, text)                                                            \
    {                                                                          \
        (id), (void *)(text)                                                   \
    }
static const OSSL_ITEM reason_strings[] = {
    R(KW_R_NO_MODULE, "no PKCS#11 module configured"),
    R(KW_R_MODULE_LOAD, "PKCS#11 module cannot be used"),
    R(KW_R_TOKEN_NOT_FOUND, "token not found"),
    R(KW_R_TOKEN_AMBIGUOUS, "URI matches more than one token"),
    R(KW_R_OBJECT_NOT_FOUND, "object not found"),
    R(KW_R_OBJECT_AMBIGUOUS, "URI matches more than one object"),
    R(KW_R_URI_INVALID, "invalid pkcs11 URI"),
    R(KW_R_PIN_MISSING, "token PIN needed"),
    R(KW_R_PIN_INCORRECT, "wrong token PIN"),
    R(KW_R_PIN_SOURCE, "PIN source unreadable"),
    R(KW_R_PIN_LOCKED, "token PIN locked"),
    R(KW_R_MECH_UNSUPPORTED, "not supported by this token"),
    R(KW_R_KEY_UNSUITABLE, "key unsuitable for this operation"),
    R(KW_R_NO_PRIVATE_KEY, "no private key in the token for this key"),
    R(KW_R_TOKEN_ERROR, "token operation failed"),
    R(KW_R_INVALID_PARAM, "unsupported parameter"),
    R(KW_R_BUFFER_TOO_SMALL, "output buffer too small"),
    R(KW_R_BAD_ENCODING, "malformed input"),
    R(KW_R_OPERATION_FAILED, "operation failed"),
    R(KW_R_VERIFY_FAILED, "signature verification failed"),
    R(KW_R_DECRYPT_FAILED, "decryption failed"),
    R(KW_R_KEYGEN_FAILED, "key generation in the token failed"),
    R(KW_R_MALLOC, "out of memory"),
    R(KW_R_OUT_OF_ORDER, "operation called out of order"),
    R(KW_R_BAD_LENGTH, "invalid length"),
    {0, NULL},
};

const OSSL_ITEM *prov_reason_strings(void)
{
    return reason_strings;
}

static void vraise(prov_ctx *ctx, const char *file, int line, const char *func,
                   int reason, const char *fmt, va_list ap)
{
    if (ctx == NULL || ctx->core_new_error == NULL)
        return;
    ctx->core_new_error(ctx->handle);
    ctx->core_set_error_debug(ctx->handle, file, line, func);
    ctx->core_vset_error(ctx->handle, (uint32_t)reason, fmt, ap);
}

void prov_raise(prov_ctx *ctx, const char *file, int line, const char *func,
                int reason, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vraise(ctx, file, line, func, reason, fmt, ap);
    va_end(ap);
}

/* CK_RV -> reason: the vendor codes hsm/ defines, then the standard ones
 * a user can act on; everything else is a token error with its name. */
static int rv_reason(CK_RV rv)
{
    switch (rv) {
    case HSM_RV_MODULE_NOT_FOUND:
    case HSM_RV_NOT_A_MODULE:
        return KW_R_MODULE_LOAD;
    case HSM_RV_TOKEN_NOT_FOUND:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_SLOT_ID_INVALID:
        return KW_R_TOKEN_NOT_FOUND;
    case HSM_RV_TOKEN_AMBIGUOUS:
        return KW_R_TOKEN_AMBIGUOUS;
    case HSM_RV_OBJECT_NOT_FOUND:
        return KW_R_OBJECT_NOT_FOUND;
    case HSM_RV_OBJECT_AMBIGUOUS:
        return KW_R_OBJECT_AMBIGUOUS;
    case HSM_RV_URI_INVALID:
        return KW_R_URI_INVALID;
    case HSM_RV_PIN_MISSING:
    case CKR_USER_NOT_LOGGED_IN:
        return KW_R_PIN_MISSING;
    case HSM_RV_PIN_SOURCE:
        return KW_R_PIN_SOURCE;
    case CKR_PIN_INCORRECT:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID:
        return KW_R_PIN_INCORRECT;
    case CKR_PIN_LOCKED:
    case CKR_PIN_EXPIRED:
        return KW_R_PIN_LOCKED;
    case HSM_RV_MECH_UNSUPPORTED:
    case CKR_MECHANISM_INVALID:
    case CKR_MECHANISM_PARAM_INVALID:
        return KW_R_MECH_UNSUPPORTED;
    case HSM_RV_KEY_UNSUITABLE:
    case CKR_KEY_TYPE_INCONSISTENT:
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
    case CKR_KEY_SIZE_RANGE:
        return KW_R_KEY_UNSUITABLE;
    case CKR_HOST_MEMORY:
    case CKR_DEVICE_MEMORY:
        return KW_R_MALLOC;
    case CKR_BUFFER_TOO_SMALL:
        return KW_R_BUFFER_TOO_SMALL;
    case CKR_SIGNATURE_INVALID:
    case CKR_SIGNATURE_LEN_RANGE:
        return KW_R_VERIFY_FAILED;
    case CKR_ENCRYPTED_DATA_INVALID:
    case CKR_ENCRYPTED_DATA_LEN_RANGE:
        return KW_R_DECRYPT_FAILED;
    default:
        return KW_R_TOKEN_ERROR;
    }
}

void prov_raise_rv(prov_ctx *ctx, const char *file, int line, const char *func,
                   CK_RV rv, const char *fmt, ...)
{
    char what[256];
    const char *detail = hsm_error_detail();
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (detail == NULL)
        detail = "";
    prov_raise(ctx, file, line, func, rv_reason(rv), "%s: %s%s%s (%s)", what,
               detail, detail[0] != '\0' ? "; " : "", hsm_rv_text(rv),
               hsm_rv_name(rv));
}

/* pin-value can sit in a URI's query; messages show "pin-value=***". */
const char *prov_uri_redact(const char *uri)
{
    static _Thread_local char buf[512];
    const char *q, *p, *end;
    size_t n;

    if (uri == NULL)
        return "(null)";
    q = strchr(uri, '?');
    p = q == NULL ? NULL : strstr(q, "pin-value=");
    if (p == NULL) {
        snprintf(buf, sizeof(buf), "%s", uri);
        return buf;
    }
    p += strlen("pin-value=");
    end = strchr(p, '&');
    n = (size_t)(p - uri);
    if (n >= sizeof(buf) - 4)
        n = sizeof(buf) - 5;
    memcpy(buf, uri, n);
    snprintf(buf + n, sizeof(buf) - n, "***%s", end != NULL ? end : "");
    return buf;
}
