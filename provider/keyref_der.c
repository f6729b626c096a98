/* SPDX-License-Identifier: Apache-2.0 */
/* keyref_der.c: encoding and parsing of the key-reference DER. */
#include <stdlib.h>
#include <string.h>

#include "keyref.h"

#define TAG_SEQUENCE      0x30
#define TAG_UTF8STRING    0x0c
#define TAG_VISIBLESTRING 0x1a

static size_t put_tl(uint8_t *p, uint8_t tag, size_t len)
{
    size_t n = 0;

    p[n++] = tag;
    if (len < 0x80) {
        p[n++] = (uint8_t)len;
    } else if (len < 0x100) {
        p[n++] = 0x81;
        p[n++] = (uint8_t)len;
    } else {
        p[n++] = 0x82;
        p[n++] = (uint8_t)(len >> 8);
        p[n++] = (uint8_t)len;
    }
    return n;
}

static size_t tl_size(size_t len)
{
    return len < 0x80 ? 2 : len < 0x100 ? 3 : 4;
}

int keyref_der_encode(const char *uri, uint8_t **der, size_t *len)
{
    size_t ulen, dlen = strlen(KEYREF_DESC), body, total, off = 0;
    uint8_t *p;

    if (uri == NULL || strncmp(uri, "pkcs11:", 7) != 0)
        return 0;
    ulen = strlen(uri);
    if (ulen > KEYREF_URI_MAX)
        return 0;
    body = tl_size(dlen) + dlen + tl_size(ulen) + ulen;
    total = tl_size(body) + body;
    if ((p = malloc(total)) == NULL)
        return 0;
    off += put_tl(p + off, TAG_SEQUENCE, body);
    off += put_tl(p + off, TAG_VISIBLESTRING, dlen);
    memcpy(p + off, KEYREF_DESC, dlen);
    off += dlen;
    off += put_tl(p + off, TAG_UTF8STRING, ulen);
    memcpy(p + off, uri, ulen);
    off += ulen;
    *der = p;
    *len = off;
    return 1;
}

/* Reads one tag and a definite length; *vlen bytes follow. Long forms are
 * accepted even where a short one would do: other tools write them. */
static int get_tl(const uint8_t **p, const uint8_t *end, uint8_t tag,
                  size_t *vlen)
{
    const uint8_t *q = *p;
    size_t len;

    if (end - q < 2 || q[0] != tag)
        return 0;
    q++;
    if (*q < 0x80) {
        len = *q++;
    } else if (*q == 0x81) {
        if (end - q < 2)
            return 0;
        len = q[1];
        q += 2;
    } else if (*q == 0x82) {
        if (end - q < 3)
            return 0;
        len = ((size_t)q[1] << 8) | q[2];
        q += 3;
    } else {
        return 0;
    }
    if ((size_t)(end - q) < len)
        return 0;
    *p = q;
    *vlen = len;
    return 1;
}

int keyref_der_decode(const uint8_t *der, size_t len, char **uri)
{
    const uint8_t *p = der, *end = der + len, *seq_end;
    size_t n, dlen = strlen(KEYREF_DESC);
    char *u;

    *uri = NULL;
    if (der == NULL || !get_tl(&p, end, TAG_SEQUENCE, &n) || p + n != end)
        return 0;
    seq_end = p + n;
    if (!get_tl(&p, seq_end, TAG_VISIBLESTRING, &n) || n != dlen ||
        memcmp(p, KEYREF_DESC, dlen) != 0)
        return 0;
    p += n;
    if (!get_tl(&p, seq_end, TAG_UTF8STRING, &n) || p + n != seq_end || n < 7 ||
        n > KEYREF_URI_MAX || memchr(p, 0, n) != NULL ||
        memcmp(p, "pkcs11:", 7) != 0)
        return 0;
    if ((u = malloc(n + 1)) == NULL)
        return 0;
    memcpy(u, p, n);
    u[n] = '\0';
    *uri = u;
    return 1;
}
