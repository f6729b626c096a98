/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_service.c: keyward subcommands that call keywardd through
 * libkeyward-client (keys, pubkey, sign, verify, session, seal, open, metrics).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmds.h"
#include "keyward-client.h"

#define MAX_INLINE_MESSAGE 32768 /* SignRequest.message bound */
#define SEAL_CHUNK         16384 /* SealRequest.plaintext bound */

static const char sock_help[] =
    "  -s, --socket PATH  keywardd socket (default $KEYWARD_SOCKET, "
    "else " KWC_DEFAULT_SOCKET ")\n";

static int connect_or_fail(const char *sock, kwc **c)
{
    if (kwc_connect(sock, c) != KWC_OK)
        return kw_fail("cannot set up a connection to keywardd");
    return KW_EXIT_OK;
}

static int call_fail(kwc *c, const char *what, int rc)
{
    kw_fail("%s: %s (status %d)", what, kwc_error(c), rc);
    kwc_free(c);
    return KW_EXIT_FAIL;
}

/*
 * For commands whose only option is --socket: parses argv, prints usage
 * (then sock_help) for --help, and connects. Returns -1 with *c connected,
 * else the exit code to return.
 */
static int socket_only_connect(int argc, char **argv, const char *cmd,
                               const char *usage, kwc **c)
{
    static const struct option opts[] = {
        {"socket", 1, NULL, 's'}, {"help", 0, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *sock = NULL;
    int o;

    while ((o = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
        if (o == 's')
            sock = optarg;
        else if (o == 'h') {
            printf("%s%s", usage, sock_help);
            return KW_EXIT_OK;
        } else
            return kw_usage_error(cmd, "unknown option");
    }
    return connect_or_fail(sock, c) == KW_EXIT_OK ? -1 : KW_EXIT_FAIL;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f =
        (path == NULL || strcmp(path, "-") == 0) ? stdin : fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0;
    *len = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (*len == cap) {
            uint8_t *nb = realloc(buf, cap ? cap * 2 : 65536);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap = cap ? cap * 2 : 65536;
        }
        size_t n = fread(buf + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0)
            break;
    }
    if (f != stdin)
        fclose(f);
    return buf;
}

static FILE *open_out(const char *path)
{
    return path == NULL || strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
}

static void close_out(FILE *f)
{
    if (f != stdout)
        fclose(f);
    else
        fflush(f);
}

static int parse_handle(const char *hex, uint8_t h[KWC_HANDLE_LEN])
{
    if (hex == NULL || strlen(hex) != 2 * KWC_HANDLE_LEN)
        return -1;
    for (int i = 0; i < KWC_HANDLE_LEN; i++)
        if (sscanf(hex + 2 * i, "%2hhx", &h[i]) != 1)
            return -1;
    return 0;
}

static void print_handle(const uint8_t h[KWC_HANDLE_LEN])
{
    for (int i = 0; i < KWC_HANDLE_LEN; i++)
        printf("%02x", h[i]);
    putchar('\n');
}

static const struct {
    const char *name;
    enum kwc_scheme scheme;
    const char *md;
} schemes[] = {
    {"default", KWC_SCHEME_DEFAULT, NULL},
    {"ecdsa-sha256", KWC_SCHEME_ECDSA_SHA256, "SHA256"},
    {"ecdsa-sha384", KWC_SCHEME_ECDSA_SHA384, "SHA384"},
    {"ecdsa-sha512", KWC_SCHEME_ECDSA_SHA512, "SHA512"},
    {"ed25519", KWC_SCHEME_ED25519, NULL},
    {"ed448", KWC_SCHEME_ED448, NULL},
    {"rsa-pkcs1-sha256", KWC_SCHEME_RSA_PKCS1_SHA256, "SHA256"},
    {"rsa-pkcs1-sha384", KWC_SCHEME_RSA_PKCS1_SHA384, "SHA384"},
    {"rsa-pkcs1-sha512", KWC_SCHEME_RSA_PKCS1_SHA512, "SHA512"},
    {"rsa-pss-sha256", KWC_SCHEME_RSA_PSS_SHA256, "SHA256"},
    {"rsa-pss-sha384", KWC_SCHEME_RSA_PSS_SHA384, "SHA384"},
    {"rsa-pss-sha512", KWC_SCHEME_RSA_PSS_SHA512, "SHA512"},
};

static int scheme_index(const char *name)
{
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (strcmp(schemes[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ---- keyward keys ------------------------------------------------------- */

static int keys_run(int argc, char **argv)
{
    struct kwc_key_info *k = NULL;
    size_t n = 0;
    kwc *c;
    int rc;
    static const char *const opnames[] = {
        "", "sign", "verify", "decapsulate", "ecdh", "export", "public"};

    if ((rc = socket_only_connect(
             argc, argv, "keys",
             "Usage: keyward keys [-s SOCKET]\nLists the keys keywardd "
             "lets you use, with the operations allowed.\n",
             &c)) != -1)
        return rc;
    if ((rc = kwc_list_keys(c, &k, &n)) != KWC_OK)
        return call_fail(c, "listing keys", rc);
    for (size_t i = 0; i < n; i++) {
        printf("%-20s %-8s %5u %-6s", k[i].name, k[i].type_name, k[i].bits,
               k[i].group[0] ? k[i].group : "-");
        for (int b = 1; b <= 6; b++)
            if (k[i].ops & (1u << b))
                printf(" %s", opnames[b]);
        printf("%s\n", k[i].has_certificate ? " [certificate]" : "");
    }
    free(k);
    kwc_free(c);
    return KW_EXIT_OK;
}

/* ---- keyward tokens ----------------------------------------------------- */

static int tokens_run(int argc, char **argv)
{
    struct kwc_token_info *t = NULL;
    size_t n = 0;
    kwc *c;
    int rc;

    if ((rc = socket_only_connect(
             argc, argv, "tokens",
             "Usage: keyward tokens [-s SOCKET]\nLists the tokens keywardd "
             "serves and what each can do (from the token's mechanism "
             "list),\none line each: NAME PROVIDER URI CAPABILITIES...\n",
             &c)) != -1)
        return rc;
    if ((rc = kwc_list_tokens(c, &t, &n)) != KWC_OK)
        return call_fail(c, "listing tokens", rc);
    for (size_t i = 0; i < n; i++) {
        printf("%-12s %-10s %s", t[i].name, t[i].provider, t[i].uri);
        for (size_t j = 0; j < t[i].ncapabilities; j++)
            printf(" %s", t[i].capabilities[j]);
        putchar('\n');
    }
    free(t);
    kwc_free(c);
    return KW_EXIT_OK;
}

/* ---- keyward pubkey ----------------------------------------------------- */

static int pubkey_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"socket", 1, NULL, 's'}, {"der", 0, NULL, 'd'},
        {"certs", 0, NULL, 'c'},  {"out", 1, NULL, 'o'},
        {"help", 0, NULL, 'h'},   {NULL, 0, NULL, 0}};
    const char *sock = NULL, *out = NULL;
    bool der = false, certs = false;
    uint8_t *spki = NULL, **cv = NULL;
    size_t spki_len = 0, *cl = NULL, nc = 0;
    kwc *c;
    FILE *f;
    int o, rc, ret = KW_EXIT_FAIL;

    while ((o = getopt_long(argc, argv, "s:dco:h", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            sock = optarg;
            break;
        case 'd':
            der = true;
            break;
        case 'c':
            certs = true;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            printf("Usage: keyward pubkey [-s SOCKET] [--der] [--certs] [-o "
                   "FILE] KEY\n"
                   "Writes the key's public key (PEM, or DER with --der), or "
                   "with\n"
                   "--certs its certificate chain (PEM, leaf first).\n%s",
                   sock_help);
            return KW_EXIT_OK;
        default:
            return kw_usage_error("pubkey", "unknown option");
        }
    }
    if (optind + 1 != argc)
        return kw_usage_error("pubkey", "name one key");
    if (connect_or_fail(sock, &c) != KW_EXIT_OK)
        return KW_EXIT_FAIL;
    rc = kwc_public_key(c, argv[optind], &spki, &spki_len, certs ? &cv : NULL,
                        certs ? &cl : NULL, certs ? &nc : NULL);
    if (rc != KWC_OK)
        return call_fail(c, "reading the public key", rc);
    if ((f = open_out(out)) == NULL) {
        kw_fail("cannot write %s", out);
        goto out;
    }
    if (certs) {
        if (nc == 0)
            kw_fail("key '%s' has no certificate", argv[optind]);
        for (size_t i = 0; i < nc; i++) {
            const unsigned char *p = cv[i];
            X509 *x = d2i_X509(NULL, &p, (long)cl[i]);
            if (x == NULL ||
                (der ? i2d_X509_fp(f, x) : PEM_write_X509(f, x)) != 1)
                nc = 0;
            X509_free(x);
        }
        ret = nc > 0 ? KW_EXIT_OK : KW_EXIT_FAIL;
    } else if (der) {
        ret = fwrite(spki, 1, spki_len, f) == spki_len ? KW_EXIT_OK
                                                       : KW_EXIT_FAIL;
    } else {
        const unsigned char *p = spki;
        EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)spki_len);
        ret = pk != NULL && PEM_write_PUBKEY(f, pk) == 1 ? KW_EXIT_OK
                                                         : KW_EXIT_FAIL;
        EVP_PKEY_free(pk);
    }
    close_out(f);
out:
    free(spki);
    kwc_certs_free(cv, cl, nc);
    kwc_free(c);
    return ret;
}

/* ---- keyward sign / verify --------------------------------------------- */

/* The hash the service would pick for a key (large files are hashed here). */
static const char *default_md(kwc *c, const char *key, enum kwc_scheme *scheme)
{
    struct kwc_key_info *k = NULL;
    size_t n = 0;
    const char *md = NULL;
    if (kwc_list_keys(c, &k, &n) != KWC_OK)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(k[i].name, key) != 0)
            continue;
        if (strcmp(k[i].type_name, "EC") == 0) {
            md = k[i].bits <= 256   ? "SHA256"
                 : k[i].bits <= 384 ? "SHA384"
                                    : "SHA512";
            *scheme = k[i].bits <= 256   ? KWC_SCHEME_ECDSA_SHA256
                      : k[i].bits <= 384 ? KWC_SCHEME_ECDSA_SHA384
                                         : KWC_SCHEME_ECDSA_SHA512;
        } else if (strcmp(k[i].type_name, "RSA") == 0) {
            md = "SHA256";
            *scheme = KWC_SCHEME_RSA_PSS_SHA256;
        }
    }
    free(k);
    return md;
}

struct sig_args {
    const char *sock, *key, *out, *sigfile, *file;
    int scheme;
};

static int sig_parse(const char *cmd, bool verify, int argc, char **argv,
                     struct sig_args *a)
{
    static const struct option opts[] = {
        {"socket", 1, NULL, 's'},    {"key", 1, NULL, 'k'},
        {"scheme", 1, NULL, 'a'},    {"out", 1, NULL, 'o'},
        {"signature", 1, NULL, 'S'}, {"help", 0, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int o;
    memset(a, 0, sizeof(*a));
    while ((o = getopt_long(argc, argv, "s:k:a:o:S:h", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            a->sock = optarg;
            break;
        case 'k':
            a->key = optarg;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 'S':
            a->sigfile = optarg;
            break;
        case 'a':
            if ((a->scheme = scheme_index(optarg)) < 0)
                return kw_usage_error(cmd, "unknown scheme '%s'", optarg);
            break;
        case 'h':
            printf("Usage: keyward %s [-s SOCKET] -k KEY [-a SCHEME] %s FILE\n"
                   "%s a file with a key held by keywardd. Files up to 32 KiB "
                   "are\n"
                   "sent whole; larger ones are hashed here (not for EdDSA).\n"
                   "Schemes: default ecdsa-sha256|384|512 ed25519 ed448\n"
                   "  rsa-pkcs1-sha256|384|512 rsa-pss-sha256|384|512\n%s",
                   cmd, verify ? "-S SIGFILE" : "[-o SIGFILE]",
                   verify ? "Verifies a signature over" : "Signs", sock_help);
            return -1;
        default:
            return kw_usage_error(cmd, "unknown option");
        }
    }
    if (a->key == NULL || optind + 1 != argc || (verify && a->sigfile == NULL))
        return kw_usage_error(cmd, "need -k KEY%s and one FILE",
                              verify ? ", -S SIGFILE" : "");
    a->file = argv[optind];
    return KW_EXIT_OK;
}

/* Reads the file into data: the message itself, or its digest when large. */
static int sig_input(kwc *c, struct sig_args *a, enum kwc_scheme *scheme,
                     uint8_t **data, size_t *len, bool *is_digest)
{
    uint8_t *msg = read_all(a->file, len);
    const char *md = schemes[a->scheme].md;
    unsigned dlen = 0;
    *scheme = schemes[a->scheme].scheme;
    *is_digest = false;
    *data = msg;
    if (msg == NULL)
        return kw_fail("cannot read %s", a->file);
    if (*len <= MAX_INLINE_MESSAGE)
        return KW_EXIT_OK;
    if (*scheme == KWC_SCHEME_DEFAULT)
        md = default_md(c, a->key, scheme);
    if (md == NULL) {
        free(msg);
        return kw_fail("%s is over 32 KiB: EdDSA (or an unknown key) needs the "
                       "whole message",
                       a->file);
    }
    *data = malloc(64);
    if (*data == NULL || EVP_Digest(msg, *len, *data, &dlen,
                                    EVP_get_digestbyname(md), NULL) != 1) {
        free(msg);
        free(*data);
        return kw_fail("cannot hash %s", a->file);
    }
    free(msg);
    *len = dlen;
    *is_digest = true;
    return KW_EXIT_OK;
}

static int sign_run(int argc, char **argv)
{
    struct sig_args a;
    uint8_t *data = NULL, sig[KWC_MAX_SIGNATURE];
    size_t len = 0, siglen = 0;
    enum kwc_scheme scheme;
    bool is_digest;
    kwc *c;
    FILE *f;
    int rc = sig_parse("sign", false, argc, argv, &a);

    if (rc != KW_EXIT_OK)
        return rc < 0 ? KW_EXIT_OK : rc;
    if (connect_or_fail(a.sock, &c) != KW_EXIT_OK)
        return KW_EXIT_FAIL;
    if (sig_input(c, &a, &scheme, &data, &len, &is_digest) != KW_EXIT_OK) {
        kwc_free(c);
        return KW_EXIT_FAIL;
    }
    rc = kwc_sign(c, a.key, scheme, is_digest, data, len, sig, &siglen, NULL);
    free(data);
    if (rc != KWC_OK)
        return call_fail(c, "signing", rc);
    kwc_free(c);
    if ((f = open_out(a.out)) == NULL || fwrite(sig, 1, siglen, f) != siglen)
        return kw_fail("cannot write the signature");
    close_out(f);
    return KW_EXIT_OK;
}

static int verify_run(int argc, char **argv)
{
    struct sig_args a;
    uint8_t *data = NULL, *sig = NULL;
    size_t len = 0, siglen = 0;
    enum kwc_scheme scheme;
    bool is_digest, valid = false;
    kwc *c;
    int rc = sig_parse("verify", true, argc, argv, &a);

    if (rc != KW_EXIT_OK)
        return rc < 0 ? KW_EXIT_OK : rc;
    if ((sig = read_all(a.sigfile, &siglen)) == NULL)
        return kw_fail("cannot read %s", a.sigfile);
    if (connect_or_fail(a.sock, &c) != KW_EXIT_OK ||
        sig_input(c, &a, &scheme, &data, &len, &is_digest) != KW_EXIT_OK) {
        free(sig);
        kwc_free(c);
        return KW_EXIT_FAIL;
    }
    rc = kwc_verify(c, a.key, NULL, 0, scheme, is_digest, data, len, sig,
                    siglen, &valid);
    free(data);
    free(sig);
    if (rc != KWC_OK)
        return call_fail(c, "verifying", rc);
    kwc_free(c);
    puts(valid ? "Signature OK" : "Signature does not verify");
    return valid ? KW_EXIT_OK : KW_EXIT_FAIL;
}

/* ---- keyward session: establish, rekey, derive, close ------------------- */

static uint8_t *read_spki(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    EVP_PKEY *pk;
    unsigned char *der = NULL;
    int n;
    if (f == NULL)
        return NULL;
    pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    if (pk == NULL) {
        rewind(f);
        pk = d2i_PUBKEY_fp(f, NULL);
    }
    fclose(f);
    n = pk != NULL ? i2d_PUBKEY(pk, &der) : -1;
    EVP_PKEY_free(pk);
    *len = n > 0 ? (size_t)n : 0;
    return n > 0 ? der : NULL;
}

static int session_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"socket", 1, NULL, 's'}, {"key", 1, NULL, 'k'}, {"peer", 1, NULL, 'p'},
        {"role", 1, NULL, 'r'},   {"in", 1, NULL, 'i'},  {"out", 1, NULL, 'o'},
        {"help", 0, NULL, 'h'},   {NULL, 0, NULL, 0}};
    const char *sock = NULL, *key = NULL, *peer = NULL, *in = NULL, *out = NULL,
               *verb;
    enum kwc_role role = KWC_ROLE_DEFAULT;
    uint8_t h[KWC_HANDLE_LEN], h2[KWC_HANDLE_LEN], ct[1024];
    size_t ctlen = 0;
    bool write_failed = false;
    kwc *c;
    int o, rc = KWC_INVALID_ARGUMENT;

    while ((o = getopt_long(argc, argv, "s:k:p:r:i:o:h", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            sock = optarg;
            break;
        case 'k':
            key = optarg;
            break;
        case 'p':
            peer = optarg;
            break;
        case 'i':
            in = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'r':
            if (strcmp(optarg, "initiator") == 0)
                role = KWC_ROLE_INITIATOR;
            else if (strcmp(optarg, "responder") == 0)
                role = KWC_ROLE_RESPONDER;
            else
                return kw_usage_error("session",
                                      "role is initiator or responder");
            break;
        case 'h':
            printf("Usage: keyward session [-s SOCKET] VERB ...\n"
                   "  encap --peer PUB.pem -o CIPHERTEXT   KEM to a peer key\n"
                   "  decap -k KEY -i CIPHERTEXT           KEM with a key held "
                   "here\n"
                   "  ecdh -k KEY --peer PUB.pem --role initiator|responder\n"
                   "  rekey HANDLE | derive HANDLE LABEL | close HANDLE\n"
                   "New sessions print their handle (hex); the shared secret "
                   "stays\n"
                   "in keywardd. Handles belong to your uid.\n%s",
                   sock_help);
            return KW_EXIT_OK;
        default:
            return kw_usage_error("session", "unknown option");
        }
    }
    if (optind >= argc)
        return kw_usage_error("session", "missing verb");
    verb = argv[optind++];
    if (connect_or_fail(sock, &c) != KW_EXIT_OK)
        return KW_EXIT_FAIL;
    if (strcmp(verb, "encap") == 0 || strcmp(verb, "ecdh") == 0) {
        size_t slen = 0;
        uint8_t *spki = peer ? read_spki(peer, &slen) : NULL;
        if (spki == NULL) {
            kwc_free(c);
            return kw_usage_error("session",
                                  "--peer must name a PEM or DER public key");
        }
        if (strcmp(verb, "encap") == 0)
            rc = kwc_encapsulate(c, spki, slen, 0, role, ct, &ctlen, h);
        else
            rc = kwc_ecdh(c, key ? key : "", spki, slen, 0, role, h);
        OPENSSL_free(spki);
        if (rc == KWC_OK && ctlen > 0) {
            FILE *f = out ? fopen(out, "wb") : NULL;
            write_failed = f == NULL || fwrite(ct, 1, ctlen, f) != ctlen;
            if (f != NULL)
                fclose(f);
        }
    } else if (strcmp(verb, "decap") == 0) {
        uint8_t *buf = in ? read_all(in, &ctlen) : NULL;
        if (buf == NULL) {
            kwc_free(c);
            return kw_usage_error("session", "decap needs -i CIPHERTEXT");
        }
        rc = kwc_decapsulate(c, key ? key : "", buf, ctlen, 0, role, h);
        free(buf);
    } else if (optind < argc && parse_handle(argv[optind], h) == 0) {
        uint32_t epoch = 0;
        if (strcmp(verb, "rekey") == 0 &&
            (rc = kwc_rekey(c, h, &epoch)) == KWC_OK)
            printf("epoch %u\n", epoch);
        else if (strcmp(verb, "close") == 0)
            rc = kwc_close_session(c, h);
        else if (strcmp(verb, "derive") == 0 && optind + 1 < argc &&
                 (rc = kwc_derive(c, h, argv[optind + 1], 0, h2)) == KWC_OK)
            print_handle(h2);
        else if (strcmp(verb, "rekey") != 0 && strcmp(verb, "derive") != 0) {
            kwc_free(c);
            return kw_usage_error("session", "unknown verb '%s'", verb);
        }
        kwc_free(c);
        return rc == KWC_OK ? KW_EXIT_OK : kw_fail("%s: status %d", verb, rc);
    } else {
        kwc_free(c);
        return kw_usage_error("session", "unknown verb or bad handle");
    }
    if (write_failed) {
        kwc_free(c);
        return kw_fail("cannot write the ciphertext (-o FILE)");
    }
    if (rc != KWC_OK)
        return call_fail(c, verb, rc);
    print_handle(h);
    kwc_free(c);
    return KW_EXIT_OK;
}

/* ---- keyward seal / open: records of [u32 length][u64 sequence][ct] ----- */

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static int aead_run(const char *cmd, bool seal, int argc, char **argv)
{
    static const struct option opts[] = {
        {"socket", 1, NULL, 's'}, {"handle", 1, NULL, 'H'},
        {"aad", 1, NULL, 'A'},    {"out", 1, NULL, 'o'},
        {"help", 0, NULL, 'h'},   {NULL, 0, NULL, 0}};
    const char *sock = NULL, *aad = "", *out = NULL;
    uint8_t h[KWC_HANDLE_LEN], *in = NULL, *buf = NULL;
    size_t inlen = 0, pos = 0, n;
    bool have_handle = false;
    kwc *c;
    FILE *f;
    int o, rc = KWC_OK;

    while ((o = getopt_long(argc, argv, "s:H:A:o:h", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            sock = optarg;
            break;
        case 'A':
            aad = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'H':
            if (parse_handle(optarg, h) != 0)
                return kw_usage_error(cmd, "a handle is 32 hex digits");
            have_handle = true;
            break;
        case 'h':
            printf("Usage: keyward %s [-s SOCKET] -H HANDLE [--aad TEXT] [-o "
                   "OUT] [IN]\n"
                   "%s with a session key held by keywardd (AES-GCM). Sealed "
                   "files\n"
                   "are records of 4-byte length, 8-byte sequence, "
                   "ciphertext+tag.\n%s",
                   cmd, seal ? "Encrypts" : "Decrypts", sock_help);
            return KW_EXIT_OK;
        default:
            return kw_usage_error(cmd, "unknown option");
        }
    }
    if (!have_handle || optind + 1 < argc)
        return kw_usage_error(cmd, "need -H HANDLE and at most one input file");
    if ((in = read_all(optind < argc ? argv[optind] : NULL, &inlen)) == NULL)
        return kw_fail("cannot read the input");
    if (connect_or_fail(sock, &c) != KW_EXIT_OK ||
        (buf = malloc(SEAL_CHUNK + 64)) == NULL ||
        (f = open_out(out)) == NULL) {
        free(in);
        free(buf);
        kwc_free(c);
        return kw_fail("cannot start");
    }
    while (rc == KWC_OK && pos < inlen) {
        if (seal) {
            uint64_t seq;
            size_t chunk = inlen - pos < SEAL_CHUNK ? inlen - pos : SEAL_CHUNK;
            rc = kwc_seal(c, h, in + pos, chunk, (const uint8_t *)aad,
                          strlen(aad), buf + 12, &n, &seq, NULL, NULL);
            put_be(buf, n, 4);
            put_be(buf + 4, seq, 8);
            if (rc == KWC_OK)
                fwrite(buf, 1, 12 + n, f);
            pos += chunk;
        } else {
            size_t len = inlen - pos >= 12 ? (size_t)get_be(in + pos, 4) : 0;
            if (len < KWC_TAG_LEN || len > SEAL_CHUNK + KWC_TAG_LEN ||
                pos + 12 + len > inlen) {
                kw_fail("input is not a sealed file (bad record at offset %zu)",
                        pos);
                rc = -1;
                break;
            }
            rc = kwc_open(c, h, get_be(in + pos + 4, 8), in + pos + 12, len,
                          (const uint8_t *)aad, strlen(aad), buf, &n, NULL);
            if (rc == KWC_OK)
                fwrite(buf, 1, n, f);
            pos += 12 + len;
        }
    }
    close_out(f);
    OPENSSL_cleanse(buf, SEAL_CHUNK + 64);
    free(buf);
    OPENSSL_cleanse(in, inlen);
    free(in);
    if (rc > 0)
        return call_fail(c, cmd, rc);
    kwc_free(c);
    return rc == KWC_OK ? KW_EXIT_OK : KW_EXIT_FAIL;
}

static int seal_run(int argc, char **argv)
{
    return aead_run("seal", true, argc, argv);
}

static int open_run(int argc, char **argv)
{
    return aead_run("open", false, argc, argv);
}

/* ---- keyward metrics ---------------------------------------------------- */

/* Upper bound of the bucket holding the q-quantile, in microseconds. */
static const char *quantile(const struct kwc_metrics *m,
                            const struct kwc_method_metrics *mm, double q,
                            char *buf, size_t len)
{
    uint64_t seen = 0, want = (uint64_t)(q * (double)mm->calls + 0.999);
    for (size_t b = 0; b < mm->nbuckets; b++) {
        seen += mm->buckets[b];
        if (seen >= want && want > 0) {
            if (b < m->nbounds)
                snprintf(buf, len, "<=%llu",
                         (unsigned long long)m->bounds_us[b]);
            else
                snprintf(buf, len, ">%llu",
                         (unsigned long long)m->bounds_us[m->nbounds - 1]);
            return buf;
        }
    }
    return "-";
}

static int metrics_run(int argc, char **argv)
{
    struct kwc_metrics m;
    kwc *c;
    int rc;

    if ((rc = socket_only_connect(
             argc, argv, "metrics",
             "Usage: keyward metrics [-s SOCKET]\nCalls, errors and latency "
             "(bucket bounds, microseconds) per method, then association\n"
             "counters (handshakes, key updates, protected messages).\n",
             &c)) != -1)
        return rc;
    if ((rc = kwc_metrics(c, &m)) != KWC_OK)
        return call_fail(c, "reading metrics", rc);
    printf("uptime %llus, configuration generation %u, %u sessions open\n",
           (unsigned long long)m.uptime_seconds, m.config_generation,
           m.sessions_open);
    printf("%-20s %10s %8s %10s %10s\n", "method", "calls", "errors", "p50_us",
           "p99_us");
    for (size_t i = 0; i < m.nmethods; i++) {
        char a[24], b[24];
        if (m.methods[i].calls == 0)
            continue;
        printf("%-20s %10llu %8llu %10s %10s\n", m.methods[i].method,
               (unsigned long long)m.methods[i].calls,
               (unsigned long long)m.methods[i].errors,
               quantile(&m, &m.methods[i], 0.5, a, sizeof(a)),
               quantile(&m, &m.methods[i], 0.99, b, sizeof(b)));
    }
    printf("associations_open: %u\nhandshakes_open: %u\n"
           "handshakes_completed: %llu\nhandshakes_failed: %llu\n"
           "key_updates: %llu\nmessages_sealed: %llu\nmessages_opened: %llu\n"
           "messages_rejected: %llu\nsecure_heap_used: %llu\n",
           m.associations_open, m.handshakes_open,
           (unsigned long long)m.handshakes_completed,
           (unsigned long long)m.handshakes_failed,
           (unsigned long long)m.key_updates,
           (unsigned long long)m.messages_sealed,
           (unsigned long long)m.messages_opened,
           (unsigned long long)m.messages_rejected,
           (unsigned long long)m.secure_heap_used);
    kwc_free(c);
    return KW_EXIT_OK;
}

const struct kw_cmd kw_cmd_keys = {
    "keys", "list the keys keywardd lets you use", keys_run};
const struct kw_cmd kw_cmd_tokens = {
    "tokens", "list the tokens keywardd serves and what each can do",
    tokens_run};
const struct kw_cmd kw_cmd_pubkey = {
    "pubkey", "write a key's public key or certificates", pubkey_run};
const struct kw_cmd kw_cmd_sign = {
    "sign", "sign a file with a key held by keywardd", sign_run};
const struct kw_cmd kw_cmd_verify = {
    "verify", "verify a file's signature with keywardd", verify_run};
const struct kw_cmd kw_cmd_session = {
    "session", "establish, rekey, derive or close session keys", session_run};
const struct kw_cmd kw_cmd_seal = {"seal", "encrypt a file with a session key",
                                   seal_run};
const struct kw_cmd kw_cmd_open = {
    "open", "decrypt a sealed file with a session key", open_run};
const struct kw_cmd kw_cmd_metrics = {
    "metrics", "show keywardd's call counters and latencies", metrics_run};
