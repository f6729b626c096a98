/* SPDX-License-Identifier: Apache-2.0 */
/* uri.c: RFC 7512 pkcs11: URIs, parsed by p11-kit and seen through hsm_uri. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <p11-kit/uri.h>

#include "hsm_internal.h"

struct hsm_uri {
    P11KitUri *p;
    char *label; /* CKA_LABEL as a C string, when the URI names one */
};

/* RFC 7512 section 2.3 path attributes. */
static const char *const uri_path_attrs[] = {
    "token",         "manufacturer",   "serial",
    "model",         "library-manufacturer", "library-description",
    "library-version", "object",       "type",
    "id",            "slot-manufacturer", "slot-description",
    "slot-id",
};

/* p11-kit accepts unknown attributes anywhere; RFC 7512 lets a consumer
 * ignore unknown query attributes, but an unknown path attribute would make
 * the URI select something other than what its author meant, so it is
 * refused. Vendor attributes ("x-...") are allowed. */
static CK_RV uri_check_path(const char *s)
{
    const char *p = s + strlen("pkcs11:");
    size_t pathlen = strcspn(p, "?");

    while (pathlen > 0) {
        size_t seg = strcspn(p, ";");
        size_t namelen;
        bool known = false;

        if (seg > pathlen)
            seg = pathlen;
        namelen = strcspn(p, "=");
        if (namelen > seg) {
            hsm_set_detail("URI path segment '%.*s' has no '='", (int)seg, p);
            return HSM_RV_URI_INVALID;
        }
        for (size_t i = 0; i < sizeof(uri_path_attrs) / sizeof(*uri_path_attrs);
             i++)
            if (strlen(uri_path_attrs[i]) == namelen &&
                strncmp(p, uri_path_attrs[i], namelen) == 0)
                known = true;
        if (!known && !(namelen > 2 && strncmp(p, "x-", 2) == 0)) {
            hsm_set_detail("unknown URI path attribute '%.*s'", (int)namelen,
                           p);
            return HSM_RV_URI_INVALID;
        }
        /* p11-kit ignores a type it does not know, which would widen the
         * match to every class: refuse it instead. */
        if (namelen == 4 && strncmp(p, "type", 4) == 0) {
            static const char *const types[] = {"public", "private", "cert",
                                                "secret-key", "data"};
            const char *v = p + 5;
            size_t vlen = seg - 5;
            bool ok = false;
            for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
                ok |= strlen(types[i]) == vlen && strncmp(v, types[i], vlen) == 0;
            if (!ok) {
                hsm_set_detail("unknown object type '%.*s' (public, private, "
                               "cert, secret-key, data)", (int)vlen, v);
                return HSM_RV_URI_INVALID;
            }
        }
        p += seg;
        pathlen -= seg;
        if (pathlen > 0) {
            p++;
            pathlen--;
        }
    }
    return CKR_OK;
}

CK_RV hsm_uri_parse(const char *s, hsm_uri **out)
{
    hsm_uri *u;
    int r;
    CK_RV rv;

    *out = NULL;
    hsm_clear_detail();
    if (s == NULL || strncmp(s, "pkcs11:", 7) != 0) {
        hsm_set_detail("a PKCS#11 URI starts with 'pkcs11:'");
        return HSM_RV_URI_INVALID;
    }
    if ((rv = uri_check_path(s)) != CKR_OK)
        return rv;
    if ((u = calloc(1, sizeof(*u))) == NULL)
        return CKR_HOST_MEMORY;
    if ((u->p = p11_kit_uri_new()) == NULL) {
        free(u);
        return CKR_HOST_MEMORY;
    }
    r = p11_kit_uri_parse(s, P11_KIT_URI_FOR_ANY, u->p);
    if (r != P11_KIT_URI_OK) {
        hsm_set_detail("%s", p11_kit_uri_message(r));
        hsm_uri_free(u);
        return HSM_RV_URI_INVALID;
    }
    CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(u->p, CKA_LABEL);
    if (a != NULL) {
        if ((u->label = malloc(a->ulValueLen + 1)) == NULL) {
            hsm_uri_free(u);
            return CKR_HOST_MEMORY;
        }
        memcpy(u->label, a->pValue, a->ulValueLen);
        u->label[a->ulValueLen] = '\0';
    }
    *out = u;
    return CKR_OK;
}

void hsm_uri_free(hsm_uri *u)
{
    if (u == NULL)
        return;
    p11_kit_uri_free(u->p);
    free(u->label);
    free(u);
}

const char *hsm_uri_get0_object(const hsm_uri *u)
{
    return u->label;
}

const uint8_t *hsm_uri_get0_id(const hsm_uri *u, size_t *len)
{
    CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(u->p, CKA_ID);
    *len = a ? a->ulValueLen : 0;
    return a ? a->pValue : NULL;
}

CK_OBJECT_CLASS hsm_uri_get_class(const hsm_uri *u)
{
    CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(u->p, CKA_CLASS);
    if (a == NULL || a->ulValueLen != sizeof(CK_OBJECT_CLASS))
        return CK_UNAVAILABLE_INFORMATION;
    return *(CK_OBJECT_CLASS *)a->pValue;
}

const char *hsm_uri_get0_module_path(const hsm_uri *u)
{
    return p11_kit_uri_get_module_path(u->p);
}

bool hsm_uri_has_pin(const hsm_uri *u)
{
    return p11_kit_uri_get_pin_value(u->p) != NULL ||
           p11_kit_uri_get_pin_source(u->p) != NULL;
}

bool hsm_uri_names_object(const hsm_uri *u)
{
    return p11_kit_uri_get_attribute(u->p, CKA_LABEL) != NULL ||
           p11_kit_uri_get_attribute(u->p, CKA_ID) != NULL ||
           p11_kit_uri_get_attribute(u->p, CKA_CLASS) != NULL;
}

bool hsm_uri_match_module(const hsm_uri *u, CK_INFO *info)
{
    return u == NULL || p11_kit_uri_match_module_info(u->p, info);
}

bool hsm_uri_match_token(const hsm_uri *u, CK_SLOT_ID slot, CK_SLOT_INFO *si,
                         CK_TOKEN_INFO *ti)
{
    CK_SLOT_ID want;
    if (u == NULL)
        return true;
    want = p11_kit_uri_get_slot_id(u->p);
    if (want != (CK_SLOT_ID)-1 && want != slot)
        return false;
    return p11_kit_uri_match_slot_info(u->p, si) &&
           p11_kit_uri_match_token_info(u->p, ti);
}

CK_ATTRIBUTE *hsm_uri_object_attrs(const hsm_uri *u, size_t *n)
{
    CK_ULONG count = 0;
    CK_ATTRIBUTE *a = u ? p11_kit_uri_get_attributes(u->p, &count) : NULL;
    *n = count;
    return a;
}

void hsm_pin_free(char *pin, size_t len)
{
    if (pin == NULL)
        return;
    OPENSSL_cleanse(pin, len);
    free(pin);
}

CK_RV hsm_pin_read_file(const char *path, char **pin, size_t *len)
{
    char buf[257];
    ssize_t n;
    size_t total = 0;
    int fd;

    *pin = NULL;
    *len = 0;
    if (strncmp(path, "file://", 7) == 0)
        path += 7;
    else if (strncmp(path, "file:", 5) == 0)
        path += 5;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        hsm_set_detail("PIN file %s: %s", path, strerror(errno));
        return HSM_RV_PIN_SOURCE;
    }
    while (total < sizeof(buf) - 1 &&
           (n = read(fd, buf + total, sizeof(buf) - 1 - total)) > 0)
        total += (size_t)n;
    close(fd);
    while (total > 0 && (buf[total - 1] == '\n' || buf[total - 1] == '\r'))
        total--;
    if (total == 0 || total >= sizeof(buf) - 1) {
        OPENSSL_cleanse(buf, sizeof(buf));
        hsm_set_detail("PIN file %s is empty or longer than 255 bytes", path);
        return HSM_RV_PIN_SOURCE;
    }
    if ((*pin = malloc(total + 1)) == NULL) {
        OPENSSL_cleanse(buf, sizeof(buf));
        return CKR_HOST_MEMORY;
    }
    memcpy(*pin, buf, total);
    (*pin)[total] = '\0';
    *len = total;
    OPENSSL_cleanse(buf, sizeof(buf));
    return CKR_OK;
}

CK_RV hsm_uri_get_pin(const hsm_uri *u, char **pin, size_t *len)
{
    const char *v = p11_kit_uri_get_pin_value(u->p);
    const char *src = p11_kit_uri_get_pin_source(u->p);

    *pin = NULL;
    *len = 0;
    if (v != NULL) {
        if ((*pin = strdup(v)) == NULL)
            return CKR_HOST_MEMORY;
        *len = strlen(v);
        return CKR_OK;
    }
    if (src != NULL)
        return hsm_pin_read_file(src, pin, len);
    return HSM_RV_PIN_MISSING;
}

char *hsm_uri_format_object(const struct hsm_token_info *ti, const char *label,
                            const uint8_t *id, size_t id_len,
                            CK_OBJECT_CLASS cls)
{
    P11KitUri *p = p11_kit_uri_new();
    CK_TOKEN_INFO *tok;
    char *s = NULL;

    if (p == NULL)
        return NULL;
    tok = p11_kit_uri_get_token_info(p);
    memset(tok->label, ' ', sizeof(tok->label));
    memcpy(tok->label, ti->label, strlen(ti->label));
    memset(tok->manufacturerID, ' ', sizeof(tok->manufacturerID));
    memcpy(tok->manufacturerID, ti->manufacturer, strlen(ti->manufacturer));
    memset(tok->model, ' ', sizeof(tok->model));
    memcpy(tok->model, ti->model, strlen(ti->model));
    memset(tok->serialNumber, ' ', sizeof(tok->serialNumber));
    memcpy(tok->serialNumber, ti->serial, strlen(ti->serial));
    if (label != NULL && *label) {
        CK_ATTRIBUTE a = {CKA_LABEL, (void *)label, strlen(label)};
        p11_kit_uri_set_attribute(p, &a);
    }
    if (id != NULL && id_len > 0) {
        CK_ATTRIBUTE a = {CKA_ID, (void *)id, id_len};
        p11_kit_uri_set_attribute(p, &a);
    }
    if (cls != CK_UNAVAILABLE_INFORMATION) {
        CK_ATTRIBUTE a = {CKA_CLASS, &cls, sizeof(cls)};
        p11_kit_uri_set_attribute(p, &a);
    }
    if (p11_kit_uri_format(p, P11_KIT_URI_FOR_OBJECT_ON_TOKEN, &s) !=
        P11_KIT_URI_OK)
        s = NULL;
    p11_kit_uri_free(p);
    return s;
}
