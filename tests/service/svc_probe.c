/* SPDX-License-Identifier: Apache-2.0 */
/* svc_probe.c: a minimal keywardd client that exits with the status of one call
 * (run as another uid by tests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyward-client.h"

static int hex2bin(const char *hex, uint8_t out[KWC_HANDLE_LEN])
{
    if (strlen(hex) != 2 * KWC_HANDLE_LEN)
        return -1;
    for (int i = 0; i < KWC_HANDLE_LEN; i++)
        if (sscanf(hex + 2 * i, "%2hhx", &out[i]) != 1)
            return -1;
    return 0;
}

static int hex2msg(const char *hex, uint8_t *out, size_t max, size_t *len)
{
    size_t n = strlen(hex) / 2;
    if (n > max || strlen(hex) % 2 != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (sscanf(hex + 2 * i, "%2hhx", &out[i]) != 1)
            return -1;
    *len = n;
    return 0;
}

/* The association calls (handle in hex; assoc-open takes a message). */
static int assoc_probe(kwc *c, const char *op, const char *arg)
{
    uint8_t h[KWC_HANDLE_LEN], m[1024], pt[1024];
    size_t mlen = sizeof(m), ptlen = sizeof(pt);

    if (strcmp(op, "assoc-start") == 0) {
        struct kwc_hs_step *s = calloc(1, sizeof(*s));
        int rc = s != NULL ? kwc_assoc_start(c, arg, NULL, s) : 100;
        free(s);
        return rc;
    }
    if (strcmp(op, "assoc-open") == 0)
        return hex2msg(arg, m, sizeof(m), &mlen) == 0
                   ? kwc_assoc_open(c, NULL, m, mlen, pt, &ptlen, NULL)
                   : 100;
    if (hex2bin(arg, h) != 0)
        return 100;
    if (strcmp(op, "assoc-seal") == 0)
        return kwc_assoc_seal(c, h, (const uint8_t *)"x", 1, m, &mlen, NULL);
    if (strcmp(op, "assoc-close") == 0)
        return kwc_assoc_close(c, h);
    if (strcmp(op, "assoc-info") == 0) {
        struct kwc_assoc_info info;
        return kwc_assoc_info(c, h, &info);
    }
    return 100;
}

/* svc_probe SOCKET sign KEY | pubkey KEY | seal HANDLEHEX | keys |
 *           assoc-start IDENTITY | assoc-seal|assoc-info|assoc-close HEX |
 *           assoc-open MESSAGEHEX */
int main(int argc, char **argv)
{
    kwc *c;
    int rc = 100;
    uint8_t h[KWC_HANDLE_LEN], out[KWC_MAX_SIGNATURE];
    size_t n = 0;

    if (argc < 3 || kwc_connect(argv[1], &c) != KWC_OK)
        return 101;
    if (strcmp(argv[2], "sign") == 0 && argc == 4) {
        rc = kwc_sign(c, argv[3], KWC_SCHEME_DEFAULT, false,
                      (const uint8_t *)"probe", 5, out, &n, NULL);
    } else if (strcmp(argv[2], "pubkey") == 0 && argc == 4) {
        uint8_t *spki = NULL;
        rc = kwc_public_key(c, argv[3], &spki, &n, NULL, NULL, NULL);
        free(spki);
    } else if (strcmp(argv[2], "seal") == 0 && argc == 4 &&
               hex2bin(argv[3], h) == 0) {
        uint64_t seq;
        rc = kwc_seal(c, h, (const uint8_t *)"x", 1, NULL, 0, out, &n, &seq,
                      NULL, NULL);
    } else if (strncmp(argv[2], "assoc-", 6) == 0 && argc == 4) {
        rc = assoc_probe(c, argv[2], argv[3]);
    } else if (strcmp(argv[2], "keys") == 0) {
        struct kwc_key_info *k = NULL;
        rc = kwc_list_keys(c, &k, &n);
        for (size_t i = 0; rc == KWC_OK && i < n; i++)
            printf("%s\n", k[i].name);
        free(k);
    }
    if (rc != KWC_OK && rc != 100)
        fprintf(stderr, "svc_probe %s: status %d: %s\n", argv[2], rc,
                kwc_error(c));
    kwc_free(c);
    return rc;
}
