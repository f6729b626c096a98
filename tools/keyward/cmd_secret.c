/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_secret.c: `keyward secret`: AES and HMAC keys for the provider's
 * ciphers and MACs, generated in the token or unwrapped into it from a key
 * wrapped under a token key (AES-KEY-WRAP), never in the clear on the host. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cmds.h"
#include "hsm.h"
#include "tool_token.h"

static const char secret_usage[] =
    "Usage: keyward secret <action> [options]\n"
    "\n"
    "Actions:\n"
    "  generate --token URI --type TYPE --label LABEL\n"
    "                      generate a secret key in the token; TYPE is\n"
    "                      aes:128, aes:192, aes:256 (AES) or hmac:BITS\n"
    "                      (a generic secret for HMAC, 128 to 1024 bits)\n"
    "  unwrap --wrapping-key URI --in FILE --type aes|hmac --label LABEL\n"
    "                      import a key wrapped under a token key with\n"
    "                      AES-KEY-WRAP (RFC 3394; --pad: RFC 5649): it is\n"
    "                      unwrapped inside the token, never on the host\n"
    "\n"
    "Options:\n"
    "  --id HEX            CKA_ID (default: 16 random bytes)\n"
    "  --usage LIST        what the key may do, comma-separated: encrypt,\n"
    "                      decrypt, sign, verify, wrap, unwrap (default: AES\n"
    "                      encrypt,decrypt; HMAC sign,verify). AES-CMAC needs\n"
    "                      an AES key with sign,verify\n"
    "  --pad               unwrap: AES-KEY-WRAP-PAD (RFC 5649)\n"
    "  --extractable       let the key be wrapped out later (never for a\n"
    "                      long-term key; the default is non-extractable)\n"
    "  --session           a session object, gone when the process ends\n"
    "  --module PATH       PKCS#11 module (default: $KEYWARD_PKCS11_MODULE)\n"
    "  --pin-file FILE     the user PIN; otherwise the URI's pin-source, or\n"
    "                      asked on the terminal\n"
    "\n"
    "Keys are sensitive (CKA_SENSITIVE). The new key's URI is printed: give\n"
    "it to the keyward provider as the \"pkcs11_uri\" parameter.\n"
    "\n"
    "Examples:\n"
    "  keyward secret generate --token 'pkcs11:token=gw' --type aes:256 \\\n"
    "      --label telemetry-key --pin-file /etc/keyward/pin\n"
    "  keyward secret unwrap --wrapping-key 'pkcs11:token=gw;object=kek' \\\n"
    "      --in key.wrapped --type aes --label provisioned-key \\\n"
    "      --pin-file /etc/keyward/pin\n";

struct secret_opts {
    const char *module, *pin_file, *token, *wrapping, *type, *label, *id_hex,
        *usage, *in;
    bool pad, extractable, session;
};

static int parse_usage(const char *list, unsigned *usage)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"encrypt", HSM_USE_ENCRYPT}, {"decrypt", HSM_USE_DECRYPT},
                 {"sign", HSM_USE_SIGN},       {"verify", HSM_USE_VERIFY},
                 {"wrap", HSM_USE_WRAP},       {"unwrap", HSM_USE_UNWRAP}};
    const char *p = list;

    *usage = 0;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        bool found = false;

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (n == strlen(names[i].name) &&
                strncmp(p, names[i].name, n) == 0) {
                *usage |= names[i].bit;
                found = true;
            }
        if (!found)
            return 0;
        p += n;
        if (*p == ',')
            p++;
    }
    return *usage != 0;
}

/* The options every action shares, into g (id is g's storage). */
static int keygen_opts(const char *action, const struct secret_opts *o,
                       struct hsm_keygen *g, uint8_t id[64])
{
    size_t idlen = 64;

    if (o->label == NULL)
        return kw_usage_error(action, "--label is required");
    g->label = o->label;
    g->token = !o->session;
    g->extractable = o->extractable;
    if (o->id_hex != NULL) {
        if (!kw_parse_id(o->id_hex, id, &idlen))
            return kw_usage_error(action, "--id wants hex bytes, e.g. 0a1b");
        g->id = id;
        g->id_len = idlen;
    }
    if (o->usage != NULL && !parse_usage(o->usage, &g->usage))
        return kw_usage_error(action,
                              "--usage takes encrypt, decrypt, sign, verify, "
                              "wrap, unwrap (comma-separated)");
    return KW_EXIT_OK;
}

/* Prints the key's URI (stdout) and what it is (stderr); bits: the size
 * known from the wrapped length, for tokens that record none. */
static void print_key(hsm_key *k, size_t bits)
{
    char *uri = hsm_key_uri(k);

    printf("%s\n", uri != NULL ? uri : "?");
    if (hsm_key_get_bits(k) != 0 || bits == 0)
        bits = hsm_key_get_bits(k);
    fprintf(stderr, "keyward: %s key '%s', %zu bits%s, %s, %s\n",
            hsm_key_get_type(k) == CKK_AES ? "AES" : "HMAC (generic secret)",
            hsm_key_get0_label(k), bits,
            hsm_key_get_bits(k) == 0 ? " (the token records no size)" : "",
            hsm_key_is_sensitive(k) ? "sensitive" : "NOT sensitive",
            hsm_key_is_extractable(k) ? "EXTRACTABLE" : "never extractable");
    free(uri);
}

static int act_generate(const struct secret_opts *o)
{
    struct hsm_keygen g = {0};
    struct kw_token c = {0};
    hsm_key *k = NULL;
    uint8_t id[64];
    CK_KEY_TYPE type;
    unsigned long bits;
    char *end = NULL;
    CK_RV rv;
    int r;

    if (o->token == NULL || o->type == NULL)
        return kw_usage_error("secret generate",
                              "--token and --type are required");
    if ((r = keygen_opts("secret generate", o, &g, id)) != KW_EXIT_OK)
        return r;
    if (strncmp(o->type, "aes:", 4) == 0) {
        type = CKK_AES;
        bits = strtoul(o->type + 4, &end, 10);
        if (*end != '\0' || (bits != 128 && bits != 192 && bits != 256))
            return kw_usage_error("secret generate",
                                  "AES keys are aes:128, aes:192 or aes:256");
    } else if (strncmp(o->type, "hmac:", 5) == 0) {
        type = CKK_GENERIC_SECRET;
        bits = strtoul(o->type + 5, &end, 10);
        if (*end != '\0' || bits < 128 || bits > 1024 || bits % 8 != 0)
            return kw_usage_error("secret generate",
                                  "HMAC keys are hmac:BITS, 128 to 1024 "
                                  "(at least the digest: SoftHSM refuses "
                                  "shorter HMAC keys)");
    } else {
        return kw_usage_error("secret generate", "unknown key type '%s'",
                              o->type);
    }
    if ((r = kw_token_open(&c, o->module, o->pin_file, o->token, true)) != KW_EXIT_OK)
        goto out;
    /* Before anything else: some tokens cannot make secret keys at all. */
    if ((rv = hsm_token_check_secret_create(c.tok)) != CKR_OK) {
        r = kw_hsm_fail(rv, "key generation");
        goto out;
    }
    if ((rv = hsm_keygen_secret(c.tok, type, bits / 8, &g, &k)) != CKR_OK) {
        r = kw_hsm_fail(rv, "key generation");
        goto out;
    }
    print_key(k, 0);
out:
    hsm_key_free(k);
    kw_token_close(&c);
    return r;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = malloc(4097);
    size_t n = 0;

    if (f != NULL && buf != NULL)
        n = fread(buf, 1, 4097, f);
    if (f != NULL)
        fclose(f);
    if (n == 0 || n > 4096) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int act_unwrap(const struct secret_opts *o)
{
    struct hsm_keygen g = {0};
    struct kw_token c = {0};
    hsm_key *kek = NULL, *k = NULL;
    uint8_t id[64], *wrapped = NULL;
    size_t wlen = 0;
    CK_KEY_TYPE type;
    CK_RV rv;
    int r;

    if (o->wrapping == NULL || o->in == NULL || o->type == NULL)
        return kw_usage_error("secret unwrap",
                              "--wrapping-key, --in and --type are required");
    if ((r = keygen_opts("secret unwrap", o, &g, id)) != KW_EXIT_OK)
        return r;
    if (strcmp(o->type, "aes") == 0)
        type = CKK_AES;
    else if (strcmp(o->type, "hmac") == 0)
        type = CKK_GENERIC_SECRET;
    else
        return kw_usage_error("secret unwrap",
                              "--type is aes or hmac (the size comes from "
                              "the wrapped key)");
    if ((wrapped = read_file(o->in, &wlen)) == NULL)
        return kw_fail("cannot read %s (a wrapped key of at most 4 KiB)",
                       o->in);
    if (type == CKK_AES && wlen != 24 && wlen != 32 && wlen != 40) {
        r = kw_fail("%s holds %zu bytes: a wrapped AES key has 24, 32 or 40 "
                    "(AES-128, -192, -256)",
                    o->in, wlen);
        goto out;
    }
    if ((r = kw_token_open(&c, o->module, o->pin_file, o->wrapping, true)) != KW_EXIT_OK)
        goto out;
    if ((rv = hsm_token_check_secret_create(c.tok)) != CKR_OK) {
        r = kw_hsm_fail(rv, "unwrapping");
        goto out;
    }
    if ((rv = hsm_key_find(c.tok, c.uri, CKO_SECRET_KEY, &kek)) != CKR_OK) {
        r = kw_hsm_fail(rv, "finding the wrapping key");
        goto out;
    }
    rv = hsm_key_unwrap(kek, o->pad ? CKM_AES_KEY_WRAP_PAD : CKM_AES_KEY_WRAP,
                        wrapped, wlen, type, &g, &k);
    if (rv != CKR_OK) {
        r = kw_hsm_fail(rv, "unwrapping");
        goto out;
    }
    /* AES keys are whole 8-byte blocks: RFC 5649 pads nothing, and the
     * key is 8 bytes shorter than its wrapping either way. */
    print_key(k, type == CKK_AES ? (wlen - 8) * 8 : 0);
out:
    free(wrapped);
    hsm_key_free(k);
    hsm_key_free(kek);
    kw_token_close(&c);
    return r;
}

static int secret_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"module", required_argument, NULL, 'm'},
        {"pin-file", required_argument, NULL, 'p'},
        {"token", required_argument, NULL, 't'},
        {"wrapping-key", required_argument, NULL, 'w'},
        {"type", required_argument, NULL, 'y'},
        {"label", required_argument, NULL, 'l'},
        {"id", required_argument, NULL, 'i'},
        {"usage", required_argument, NULL, 'u'},
        {"in", required_argument, NULL, 'f'},
        {"pad", no_argument, NULL, 'P'},
        {"extractable", no_argument, NULL, 'x'},
        {"session", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct secret_opts o = {0};
    const char *action;
    int c;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(secret_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? KW_EXIT_USAGE : KW_EXIT_OK;
    }
    action = argv[1];
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            o.module = optarg;
            break;
        case 'p':
            o.pin_file = optarg;
            break;
        case 't':
            o.token = optarg;
            break;
        case 'w':
            o.wrapping = optarg;
            break;
        case 'y':
            o.type = optarg;
            break;
        case 'l':
            o.label = optarg;
            break;
        case 'i':
            o.id_hex = optarg;
            break;
        case 'u':
            o.usage = optarg;
            break;
        case 'f':
            o.in = optarg;
            break;
        case 'P':
            o.pad = true;
            break;
        case 'x':
            o.extractable = true;
            break;
        case 's':
            o.session = true;
            break;
        case 'h':
            fputs(secret_usage, stdout);
            return KW_EXIT_OK;
        default:
            return kw_usage_error("secret", "unknown option");
        }
    }
    if (optind != argc)
        return kw_usage_error("secret", "unexpected argument '%s'",
                              argv[optind]);
    if (strcmp(action, "generate") == 0)
        return act_generate(&o);
    if (strcmp(action, "unwrap") == 0)
        return act_unwrap(&o);
    return kw_usage_error("secret", "unknown action '%s'", action);
}

const struct kw_cmd kw_cmd_secret = {
    "secret", "AES and HMAC keys in the token: generate, unwrap", secret_run};
