/* SPDX-License-Identifier: Apache-2.0 */
/* test_uri.c: pkcs11: URI parsing through hsm_uri (no token needed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsm.h"
#include "testutil.h"

static int test_valid_attributes(void)
{
    hsm_uri *u = NULL;
    const uint8_t *id;
    size_t idlen = 0;
    int ok = 0;

    if (!TEST_rv(hsm_uri_parse("pkcs11:token=My%20Token;manufacturer=ACME;"
                               "serial=1234;model=M1;object=dev%3Bkey;"
                               "id=%01%02%ff;type=private",
                               &u),
                 CKR_OK))
        goto err;
    if (!TEST_str_eq(hsm_uri_get0_object(u), "dev;key"))
        goto err;
    id = hsm_uri_get0_id(u, &idlen);
    if (!TEST_mem_eq(id, idlen, "\x01\x02\xff", 3))
        goto err;
    if (!TEST_int_eq(hsm_uri_get_class(u), CKO_PRIVATE_KEY))
        goto err;
    if (!TEST_true(hsm_uri_names_object(u)) || !TEST_false(hsm_uri_has_pin(u)))
        goto err;
    ok = 1;
err:
    hsm_uri_free(u);
    return ok;
}

static int test_types(void)
{
    static const struct {
        const char *uri;
        CK_OBJECT_CLASS cls;
    } cases[] = {
        {"pkcs11:type=public", CKO_PUBLIC_KEY},
        {"pkcs11:type=secret-key", CKO_SECRET_KEY},
        {"pkcs11:type=cert", CKO_CERTIFICATE},
        {"pkcs11:type=data", CKO_DATA},
        {"pkcs11:object=x", CK_UNAVAILABLE_INFORMATION},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        hsm_uri *u = NULL;
        if (!TEST_rv(hsm_uri_parse(cases[i].uri, &u), CKR_OK))
            return 0;
        int same = TEST_int_eq(hsm_uri_get_class(u), cases[i].cls);
        hsm_uri_free(u);
        if (!same)
            return 0;
    }
    return 1;
}

static int test_token_only(void)
{
    hsm_uri *u = NULL;
    int ok = TEST_rv(hsm_uri_parse("pkcs11:token=t;slot-id=3", &u), CKR_OK) &&
             TEST_false(hsm_uri_names_object(u)) &&
             TEST_ptr_null(hsm_uri_get0_object(u));
    hsm_uri_free(u);
    return ok;
}

static int test_invalid(void)
{
    static const char *bad[] = {
        "file:/etc/passwd",           /* not pkcs11 */
        "pkcs11:token=a;bogus=1",     /* unknown path attribute */
        "pkcs11:object=%zz",          /* bad percent-encoding */
        "pkcs11:type=unicorn",        /* unknown type */
        "pkcs11:objectlabel",         /* segment without '=' */
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        hsm_uri *u = NULL;
        CK_RV rv = hsm_uri_parse(bad[i], &u);
        if (!TEST_rv(rv, HSM_RV_URI_INVALID)) {
            fprintf(stderr, "  accepted: '%s'\n", bad[i]);
            hsm_uri_free(u);
            return 0;
        }
        /* Every rejection says why. */
        if (!TEST_true(hsm_error_detail()[0] != '\0'))
            return 0;
        if (!TEST_ptr_null(u))
            return 0;
    }
    if (!TEST_rv(hsm_uri_parse(NULL, &(hsm_uri *){NULL}), HSM_RV_URI_INVALID))
        return 0;
    return 1;
}

static int test_unknown_query_and_vendor(void)
{
    hsm_uri *u = NULL;
    /* RFC 7512: unknown query attributes may be ignored; x- is vendor. */
    int ok = TEST_rv(hsm_uri_parse("pkcs11:object=a;x-vendor=1?foo=bar", &u),
                     CKR_OK) &&
             TEST_str_eq(hsm_uri_get0_object(u), "a");
    hsm_uri_free(u);
    return ok;
}

static int test_pin_value_and_source(void)
{
    char path[] = "/tmp/kw-pin-XXXXXX";
    char uri[128];
    hsm_uri *u = NULL;
    char *pin = NULL;
    size_t len = 0;
    int fd, ok = 0;

    if (!TEST_rv(hsm_uri_parse("pkcs11:token=t?pin-value=12%2034", &u), CKR_OK) ||
        !TEST_true(hsm_uri_has_pin(u)) ||
        !TEST_rv(hsm_uri_get_pin(u, &pin, &len), CKR_OK) ||
        !TEST_mem_eq(pin, len, "12 34", 5))
        goto err;
    hsm_pin_free(pin, len);
    pin = NULL;
    hsm_uri_free(u);
    u = NULL;

    if ((fd = mkstemp(path)) < 0 || write(fd, "s3cret\n", 7) != 7)
        goto err;
    close(fd);
    snprintf(uri, sizeof(uri), "pkcs11:token=t?pin-source=file:%s", path);
    if (!TEST_rv(hsm_uri_parse(uri, &u), CKR_OK) ||
        !TEST_rv(hsm_uri_get_pin(u, &pin, &len), CKR_OK) ||
        !TEST_mem_eq(pin, len, "s3cret", 6))
        goto err;
    hsm_pin_free(pin, len);
    pin = NULL;
    hsm_uri_free(u);
    u = NULL;

    /* A missing PIN file is its own error, naming the file, not the PIN. */
    unlink(path);
    if (!TEST_rv(hsm_uri_parse(uri, &u), CKR_OK) ||
        !TEST_rv(hsm_uri_get_pin(u, &pin, &len), HSM_RV_PIN_SOURCE) ||
        !TEST_true(strstr(hsm_error_detail(), path) != NULL))
        goto err;
    hsm_uri_free(u);
    u = NULL;
    if (!TEST_rv(hsm_uri_parse("pkcs11:token=t", &u), CKR_OK) ||
        !TEST_rv(hsm_uri_get_pin(u, &pin, &len), HSM_RV_PIN_MISSING))
        goto err;
    ok = 1;
err:
    unlink(path);
    hsm_pin_free(pin, len);
    hsm_uri_free(u);
    return ok;
}

static int test_rv_names(void)
{
    return TEST_str_eq(hsm_rv_name(CKR_PIN_INCORRECT), "CKR_PIN_INCORRECT") &&
           TEST_str_eq(hsm_rv_name(HSM_RV_OBJECT_AMBIGUOUS),
                       "HSM_RV_OBJECT_AMBIGUOUS") &&
           TEST_str_eq(hsm_rv_name(0x12345678UL), "CKR_0x12345678") &&
           TEST_str_eq(hsm_mech_name(CKM_ECDSA), "CKM_ECDSA") &&
           TEST_str_eq(hsm_rv_text(HSM_RV_MECH_UNSUPPORTED),
                       "not supported by this token");
}

int main(int argc, char **argv)
{
    ADD_TEST(test_valid_attributes);
    ADD_TEST(test_types);
    ADD_TEST(test_token_only);
    ADD_TEST(test_invalid);
    ADD_TEST(test_unknown_query_and_vendor);
    ADD_TEST(test_pin_value_and_source);
    ADD_TEST(test_rv_names);
    return tu_run(argc, argv);
}
