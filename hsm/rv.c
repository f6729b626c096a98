/* SPDX-License-Identifier: Apache-2.0 */
/* rv.c: names and explanations of CK_RV values, and per-thread error detail. */
#include <stdarg.h>
#include <stdio.h>

#include "hsm_internal.h"

#define RV(x) {x, #x}
static const struct {
    CK_RV rv;
    const char *name;
} rv_names[] = {
    RV(CKR_OK),
    RV(CKR_CANCEL),
    RV(CKR_HOST_MEMORY),
    RV(CKR_SLOT_ID_INVALID),
    RV(CKR_GENERAL_ERROR),
    RV(CKR_FUNCTION_FAILED),
    RV(CKR_ARGUMENTS_BAD),
    RV(CKR_NO_EVENT),
    RV(CKR_NEED_TO_CREATE_THREADS),
    RV(CKR_CANT_LOCK),
    RV(CKR_ATTRIBUTE_READ_ONLY),
    RV(CKR_ATTRIBUTE_SENSITIVE),
    RV(CKR_ATTRIBUTE_TYPE_INVALID),
    RV(CKR_ATTRIBUTE_VALUE_INVALID),
    RV(CKR_ACTION_PROHIBITED),
    RV(CKR_DATA_INVALID),
    RV(CKR_DATA_LEN_RANGE),
    RV(CKR_DEVICE_ERROR),
    RV(CKR_DEVICE_MEMORY),
    RV(CKR_DEVICE_REMOVED),
    RV(CKR_ENCRYPTED_DATA_INVALID),
    RV(CKR_ENCRYPTED_DATA_LEN_RANGE),
    RV(CKR_FUNCTION_CANCELED),
    RV(CKR_FUNCTION_NOT_PARALLEL),
    RV(CKR_FUNCTION_NOT_SUPPORTED),
    RV(CKR_KEY_HANDLE_INVALID),
    RV(CKR_KEY_SIZE_RANGE),
    RV(CKR_KEY_TYPE_INCONSISTENT),
    RV(CKR_KEY_NOT_NEEDED),
    RV(CKR_KEY_CHANGED),
    RV(CKR_KEY_NEEDED),
    RV(CKR_KEY_INDIGESTIBLE),
    RV(CKR_KEY_FUNCTION_NOT_PERMITTED),
    RV(CKR_KEY_NOT_WRAPPABLE),
    RV(CKR_KEY_UNEXTRACTABLE),
    RV(CKR_MECHANISM_INVALID),
    RV(CKR_MECHANISM_PARAM_INVALID),
    RV(CKR_OBJECT_HANDLE_INVALID),
    RV(CKR_OPERATION_ACTIVE),
    RV(CKR_OPERATION_NOT_INITIALIZED),
    RV(CKR_PIN_INCORRECT),
    RV(CKR_PIN_INVALID),
    RV(CKR_PIN_LEN_RANGE),
    RV(CKR_PIN_EXPIRED),
    RV(CKR_PIN_LOCKED),
    RV(CKR_SESSION_CLOSED),
    RV(CKR_SESSION_COUNT),
    RV(CKR_SESSION_HANDLE_INVALID),
    RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED),
    RV(CKR_SESSION_READ_ONLY),
    RV(CKR_SESSION_EXISTS),
    RV(CKR_SESSION_READ_ONLY_EXISTS),
    RV(CKR_SESSION_READ_WRITE_SO_EXISTS),
    RV(CKR_SIGNATURE_INVALID),
    RV(CKR_SIGNATURE_LEN_RANGE),
    RV(CKR_TEMPLATE_INCOMPLETE),
    RV(CKR_TEMPLATE_INCONSISTENT),
    RV(CKR_TOKEN_NOT_PRESENT),
    RV(CKR_TOKEN_NOT_RECOGNIZED),
    RV(CKR_TOKEN_WRITE_PROTECTED),
    RV(CKR_UNWRAPPING_KEY_SIZE_RANGE),
    RV(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT),
    RV(CKR_USER_ALREADY_LOGGED_IN),
    RV(CKR_USER_NOT_LOGGED_IN),
    RV(CKR_USER_PIN_NOT_INITIALIZED),
    RV(CKR_USER_TYPE_INVALID),
    RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
    RV(CKR_USER_TOO_MANY_TYPES),
    RV(CKR_WRAPPED_KEY_INVALID),
    RV(CKR_WRAPPED_KEY_LEN_RANGE),
    RV(CKR_WRAPPING_KEY_HANDLE_INVALID),
    RV(CKR_WRAPPING_KEY_SIZE_RANGE),
    RV(CKR_WRAPPING_KEY_TYPE_INCONSISTENT),
    RV(CKR_RANDOM_SEED_NOT_SUPPORTED),
    RV(CKR_RANDOM_NO_RNG),
    RV(CKR_DOMAIN_PARAMS_INVALID),
    RV(CKR_CURVE_NOT_SUPPORTED),
    RV(CKR_BUFFER_TOO_SMALL),
    RV(CKR_SAVED_STATE_INVALID),
    RV(CKR_INFORMATION_SENSITIVE),
    RV(CKR_STATE_UNSAVEABLE),
    RV(CKR_CRYPTOKI_NOT_INITIALIZED),
    RV(CKR_CRYPTOKI_ALREADY_INITIALIZED),
    RV(CKR_MUTEX_BAD),
    RV(CKR_MUTEX_NOT_LOCKED),
    RV(CKR_NEW_PIN_MODE),
    RV(CKR_NEXT_OTP),
    RV(CKR_EXCEEDED_MAX_ITERATIONS),
    RV(CKR_FIPS_SELF_TEST_FAILED),
    RV(CKR_LIBRARY_LOAD_FAILED),
    RV(CKR_PIN_TOO_WEAK),
    RV(CKR_PUBLIC_KEY_INVALID),
    RV(CKR_FUNCTION_REJECTED),
    RV(HSM_RV_MODULE_NOT_FOUND),
    RV(HSM_RV_NOT_A_MODULE),
    RV(HSM_RV_TOKEN_NOT_FOUND),
    RV(HSM_RV_TOKEN_AMBIGUOUS),
    RV(HSM_RV_OBJECT_NOT_FOUND),
    RV(HSM_RV_OBJECT_AMBIGUOUS),
    RV(HSM_RV_URI_INVALID),
    RV(HSM_RV_PIN_MISSING),
    RV(HSM_RV_PIN_SOURCE),
    RV(HSM_RV_MECH_UNSUPPORTED),
    RV(HSM_RV_KEY_UNSUITABLE),
};

/* Plain-language meaning of the values a user is likely to meet. */
static const struct {
    CK_RV rv;
    const char *text;
} rv_texts[] = {
    {CKR_OK, "success"},
    {CKR_HOST_MEMORY, "out of memory"},
    {CKR_GENERAL_ERROR, "the token reported a general error"},
    {CKR_FUNCTION_FAILED, "the token could not perform the operation"},
    {CKR_ARGUMENTS_BAD, "invalid arguments"},
    {CKR_ATTRIBUTE_SENSITIVE, "the attribute is sensitive and cannot be read"},
    {CKR_DATA_LEN_RANGE, "input length is not valid for this operation"},
    {CKR_DEVICE_ERROR, "the token failed"},
    {CKR_DEVICE_REMOVED, "the token was removed"},
    {CKR_ENCRYPTED_DATA_INVALID, "the ciphertext is invalid"},
    {CKR_ENCRYPTED_DATA_LEN_RANGE, "the ciphertext length is invalid"},
    {CKR_KEY_HANDLE_INVALID, "the key no longer exists in the token"},
    {CKR_KEY_TYPE_INCONSISTENT, "the key type does not fit this mechanism"},
    {CKR_KEY_FUNCTION_NOT_PERMITTED, "the key's attributes forbid this use"},
    {CKR_MECHANISM_INVALID, "the token does not support this mechanism"},
    {CKR_MECHANISM_PARAM_INVALID, "invalid mechanism parameters"},
    {CKR_OBJECT_HANDLE_INVALID, "the object no longer exists in the token"},
    {CKR_PIN_INCORRECT, "the PIN is incorrect"},
    {CKR_PIN_LOCKED, "the PIN is locked (too many wrong attempts)"},
    {CKR_PIN_EXPIRED, "the PIN has expired"},
    {CKR_SESSION_COUNT, "the token has no more sessions available"},
    {CKR_SESSION_HANDLE_INVALID, "the session is no longer valid"},
    {CKR_SIGNATURE_INVALID, "the signature does not verify"},
    {CKR_SIGNATURE_LEN_RANGE, "the signature has the wrong length"},
    {CKR_TOKEN_NOT_PRESENT, "the token is not present"},
    {CKR_TOKEN_NOT_RECOGNIZED, "the token is not recognised"},
    {CKR_TOKEN_WRITE_PROTECTED, "the token is write-protected"},
    {CKR_USER_NOT_LOGGED_IN, "login required"},
    {CKR_USER_PIN_NOT_INITIALIZED, "the token's user PIN is not initialised"},
    {CKR_BUFFER_TOO_SMALL, "output buffer too small"},
    {CKR_CRYPTOKI_NOT_INITIALIZED, "the PKCS#11 module is not initialised"},
    {CKR_TEMPLATE_INCONSISTENT, "inconsistent key attributes"},
    {CKR_TEMPLATE_INCOMPLETE, "incomplete key attributes"},
    {HSM_RV_MODULE_NOT_FOUND, "the PKCS#11 module cannot be loaded"},
    {HSM_RV_NOT_A_MODULE, "the file is not a PKCS#11 module"},
    {HSM_RV_TOKEN_NOT_FOUND, "no token matches the URI"},
    {HSM_RV_TOKEN_AMBIGUOUS, "several tokens match the URI; name one"},
    {HSM_RV_OBJECT_NOT_FOUND, "no object matches the URI"},
    {HSM_RV_OBJECT_AMBIGUOUS, "several objects match the URI; add id= or type="},
    {HSM_RV_URI_INVALID, "not a valid pkcs11: URI"},
    {HSM_RV_PIN_MISSING, "the token needs a PIN and none was given"},
    {HSM_RV_PIN_SOURCE, "the PIN file cannot be read"},
    {HSM_RV_MECH_UNSUPPORTED, "not supported by this token"},
    {HSM_RV_KEY_UNSUITABLE, "the key cannot be used for this operation"},
};

const char *hsm_rv_name(CK_RV rv)
{
    static _Thread_local char buf[32];
    for (size_t i = 0; i < sizeof(rv_names) / sizeof(rv_names[0]); i++)
        if (rv_names[i].rv == rv)
            return rv_names[i].name;
    snprintf(buf, sizeof(buf), "CKR_0x%08lx", (unsigned long)rv);
    return buf;
}

const char *hsm_rv_text(CK_RV rv)
{
    for (size_t i = 0; i < sizeof(rv_texts) / sizeof(rv_texts[0]); i++)
        if (rv_texts[i].rv == rv)
            return rv_texts[i].text;
    return "the token returned an error";
}

static _Thread_local char hsm_detail[512];

const char *hsm_error_detail(void)
{
    return hsm_detail;
}

void hsm_set_detail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(hsm_detail, sizeof(hsm_detail), fmt, ap);
    va_end(ap);
}

void hsm_clear_detail(void)
{
    hsm_detail[0] = '\0';
}
