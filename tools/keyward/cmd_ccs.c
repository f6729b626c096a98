/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_ccs.c: `keyward ccs`: writes a CWT Claims Set naming a public key by kid,
 * the credential EDHOC peers exchange by kid (offline, no keywardd). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "cmds.h"
#include "edhoc.h"

static const char ccs_usage[] =
    "Usage: keyward ccs --pubkey FILE --kid HEX [--sub NAME] --out FILE\n"
    "\n"
    "Writes a CWT Claims Set (CCS, RFC 8392) for a public key: the credential\n"
    "an EDHOC peer (RFC 9528) is known by when it identifies itself by kid\n"
    "instead of a certificate. Both keywardd instances of an association use\n"
    "the same bytes: the owner names it in its identity (ccs = FILE), the\n"
    "peer in its peer_credentials (docs/SERVICE.md).\n"
    "\n"
    "  --pubkey FILE   PEM public key: P-256, Ed25519 or X25519 (for a token\n"
    "                  key: keyward pubkey KEY, or keyward hsm pubkey)\n"
    "  --kid HEX       key identifier, e.g. 2b (1 byte keeps messages short)\n"
    "  --sub NAME      subject claim, reported as the peer's name\n"
    "  --out FILE      where to write the CCS (CBOR)\n"
    "\n"
    "Example:\n"
    "  keyward ccs --pubkey sensor-7.pub.pem --kid 07 --sub sensor-7 \\\n"
    "      --out /etc/keyward/sensor-7.ccs\n";

static int parse_hex(const char *hex, uint8_t *out, size_t max, size_t *len)
{
    size_t n = strlen(hex);
    if (n == 0 || n % 2 != 0 || n / 2 > max)
        return -1;
    for (size_t i = 0; i < n / 2; i++)
        if (sscanf(hex + 2 * i, "%2hhx", &out[i]) != 1)
            return -1;
    *len = n / 2;
    return 0;
}

static int ccs_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"pubkey", required_argument, NULL, 'p'},
        {"kid", required_argument, NULL, 'k'},
        {"sub", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *pubfile = NULL, *kidhex = NULL, *sub = NULL, *outfile = NULL;
    uint8_t kid[16], *ccs = NULL;
    size_t kid_len = 0, ccs_len = 0;
    EVP_PKEY *pub = NULL;
    FILE *f;
    int o, rc = KW_EXIT_FAIL;

    while ((o = getopt_long(argc, argv, "p:k:s:o:h", opts, NULL)) != -1) {
        switch (o) {
        case 'p':
            pubfile = optarg;
            break;
        case 'k':
            kidhex = optarg;
            break;
        case 's':
            sub = optarg;
            break;
        case 'o':
            outfile = optarg;
            break;
        case 'h':
            fputs(ccs_usage, stdout);
            return KW_EXIT_OK;
        default:
            return kw_usage_error("ccs", "unknown option");
        }
    }
    if (pubfile == NULL || kidhex == NULL || outfile == NULL)
        return kw_usage_error("ccs", "--pubkey, --kid and --out are needed");
    if (parse_hex(kidhex, kid, sizeof(kid), &kid_len) < 0)
        return kw_usage_error("ccs", "--kid takes 1 to 16 bytes in hex");
    if ((f = fopen(pubfile, "re")) == NULL)
        return kw_fail("cannot read %s", pubfile);
    pub = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (pub == NULL)
        return kw_fail("%s: not a PEM public key", pubfile);
    if (kw_edhoc_ccs_build(pub, sub, kid, kid_len, &ccs, &ccs_len) !=
        KW_EDHOC_OK) {
        kw_fail("%s: a CCS takes P-256, Ed25519 or X25519 keys", pubfile);
        goto out;
    }
    if ((f = fopen(outfile, "we")) == NULL ||
        fwrite(ccs, 1, ccs_len, f) != ccs_len) {
        if (f != NULL)
            fclose(f);
        kw_fail("cannot write %s", outfile);
        goto out;
    }
    if (fclose(f) != 0) {
        kw_fail("cannot write %s", outfile);
        goto out;
    }
    rc = KW_EXIT_OK;
out:
    OPENSSL_free(ccs);
    EVP_PKEY_free(pub);
    return rc;
}

const struct kw_cmd kw_cmd_ccs = {
    .name = "ccs",
    .summary = "write a CCS (kid credential) for an EDHOC peer",
    .run = ccs_run,
};
