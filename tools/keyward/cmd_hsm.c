/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_hsm.c: `keyward hsm`: tokens, keys and signatures straight through
 * hsm/, for administrators and the demo (applications use the provider or
 * keywardd instead). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "cmds.h"
#include "hsm.h"
#include "hsm_evp.h"
#include "tool_token.h"

static const char hsm_usage[] =
    "Usage: keyward hsm <action> [options]\n"
    "\n"
    "Actions:\n"
    "  tokens                     list the tokens the module offers\n"
    "  mechanisms --token URI     list a token's mechanisms\n"
    "  list --uri URI             list the objects a URI selects\n"
    "  keygen --token URI --type TYPE --label LABEL [--id HEX] [--session]\n"
    "                             generate a key in the token; TYPE is one of\n"
    "                             ec:P-256 ec:P-384 ec:P-521 rsa:2048..4096\n"
    "                             ed25519 aes:128 aes:256 hmac:256\n"
    "  pubkey --uri URI [--out FILE]\n"
    "                             write a key's public half as PEM (SPKI)\n"
    "  sign --uri URI --in FILE --out FILE [--pss]\n"
    "                             sign FILE: ECDSA (DER, SHA-256/384/512 by\n"
    "                             curve), RSA PKCS#1 v1.5 or PSS with\n"
    "                             SHA-256, Ed25519; verifiable with openssl\n"
    "\n"
    "Common options:\n"
    "  --module PATH      PKCS#11 module (default: $KEYWARD_PKCS11_MODULE)\n"
    "  --pin-file FILE    read the user PIN from FILE; otherwise from the\n"
    "                     URI's pin-source, or asked for on the terminal\n"
    "\n"
    "Private and secret keys are created sensitive and non-extractable.\n"
    "PINs are never accepted on the command line except inside a URI;\n"
    "prefer --pin-file or pin-source.\n"
    "\n"
    "Example:\n"
    "  keyward hsm keygen --token 'pkcs11:token=gw' --type ec:P-256 \\\n"
    "      --label device --pin-file /etc/keyward/pin\n"
    "  keyward hsm sign --uri 'pkcs11:token=gw;object=device;type=private' \\\n"
    "      --in msg.txt --out msg.sig --pin-file /etc/keyward/pin\n";

struct hsm_opts {
    const char *module, *pin_file, *token, *uri, *type, *label, *id_hex;
    const char *in, *out;
    bool session, pss;
};

static int print_token(void *arg, const struct hsm_token_info *ti)
{
    (void)arg;
    printf("pkcs11:token=%s;serial=%s  (%s, %s, slot %lu%s)\n", ti->label,
           ti->serial, ti->manufacturer, ti->model, (unsigned long)ti->slot,
           ti->login_required ? ", login required" : "");
    return 0;
}

static int act_tokens(const struct hsm_opts *o)
{
    const char *module = kw_module_path(o->module);
    hsm_module *m = NULL;
    CK_RV rv;

    if (module == NULL)
        return kw_fail("no PKCS#11 module: give --module PATH or set "
                       "KEYWARD_PKCS11_MODULE");
    if ((rv = hsm_module_open(module, NULL, &m)) != CKR_OK)
        return kw_hsm_fail(rv, "loading the PKCS#11 module");
    rv = hsm_token_foreach(m, NULL, print_token, NULL);
    hsm_module_free(m);
    return rv == CKR_OK ? KW_EXIT_OK : kw_hsm_fail(rv, "listing tokens");
}

static int act_mechanisms(const struct hsm_opts *o)
{
    struct kw_token c;
    size_t n = 0;
    int r = kw_token_open(&c, o->module, o->pin_file, o->token, false);

    if (r == KW_EXIT_OK) {
        const CK_MECHANISM_TYPE *m = hsm_token_get0_mechs(c.tok, &n);
        for (size_t i = 0; i < n; i++)
            printf("%s\n", hsm_mech_name(m[i]));
    }
    kw_token_close(&c);
    return r;
}

static const char *class_name(CK_OBJECT_CLASS c)
{
    switch (c) {
    case CKO_PRIVATE_KEY: return "private";
    case CKO_PUBLIC_KEY: return "public";
    case CKO_SECRET_KEY: return "secret-key";
    case CKO_CERTIFICATE: return "cert";
    default: return "data";
    }
}

static const char *type_name(const hsm_key *k)
{
    switch (hsm_key_get_type(k)) {
    case CKK_RSA: return "RSA";
    case CKK_EC: return "EC";
    case CKK_EC_EDWARDS: return "EdDSA";
    case CKK_AES: return "AES";
    case CKK_GENERIC_SECRET: return "generic-secret";
    default: return "other";
    }
}

static int print_object(void *arg, hsm_key *k)
{
    char *uri = hsm_key_uri(k);
    CK_OBJECT_CLASS cls = hsm_key_get_class(k);
    (void)arg;
    printf("%-10s %-14s %5zu bits  %s", class_name(cls),
           cls == CKO_CERTIFICATE ? "X.509" : type_name(k), hsm_key_get_bits(k),
           uri ? uri : "?");
    if (cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY)
        printf("  [%s, %s]", hsm_key_is_sensitive(k) ? "sensitive" : "NOT sensitive",
               hsm_key_is_extractable(k) ? "EXTRACTABLE" : "never extractable");
    putchar('\n');
    free(uri);
    return 0;
}

static int act_list(const struct hsm_opts *o)
{
    struct kw_token c;
    int r = kw_token_open(&c, o->module, o->pin_file, o->uri, true);
    CK_RV rv;

    if (r == KW_EXIT_OK &&
        (rv = hsm_key_foreach(c.tok, c.uri, print_object, NULL)) != CKR_OK)
        r = kw_hsm_fail(rv, "listing objects");
    kw_token_close(&c);
    return r;
}

static int act_keygen(const struct hsm_opts *o)
{
    struct hsm_keygen g = {.label = o->label, .token = !o->session};
    hsm_key *priv = NULL, *pub = NULL;
    uint8_t id[64];
    size_t idlen = sizeof(id);
    struct kw_token c;
    const char *t = o->type;
    CK_RV rv;
    int r;

    if (t == NULL || o->label == NULL)
        return kw_usage_error("hsm keygen", "--type and --label are required");
    if (o->id_hex != NULL) {
        if (!kw_parse_id(o->id_hex, id, &idlen))
            return kw_usage_error("hsm keygen", "--id wants hex bytes, e.g. 0a1b");
        g.id = id;
        g.id_len = idlen;
    }
    if ((r = kw_token_open(&c, o->module, o->pin_file, o->token, true)) != KW_EXIT_OK)
        goto out;
    if (strncmp(t, "ec:", 3) == 0)
        rv = hsm_keygen_ec(c.tok, t + 3, &g, &priv, &pub);
    else if (strncmp(t, "rsa:", 4) == 0)
        rv = hsm_keygen_rsa(c.tok, strtoul(t + 4, NULL, 10), &g, &priv, &pub);
    else if (strcmp(t, "ed25519") == 0)
        rv = hsm_keygen_ed25519(c.tok, &g, &priv, &pub);
    else if (strncmp(t, "aes:", 4) == 0)
        rv = hsm_keygen_secret(c.tok, CKK_AES, strtoul(t + 4, NULL, 10) / 8, &g,
                               &priv);
    else if (strncmp(t, "hmac:", 5) == 0)
        rv = hsm_keygen_secret(c.tok, CKK_GENERIC_SECRET,
                               strtoul(t + 5, NULL, 10) / 8, &g, &priv);
    else {
        r = kw_usage_error("hsm keygen", "unknown key type '%s'", t);
        goto out;
    }
    if (rv != CKR_OK) {
        r = kw_hsm_fail(rv, "key generation");
        goto out;
    }
    print_object(NULL, priv);
    if (pub != NULL)
        print_object(NULL, pub);
out:
    hsm_key_free(priv);
    hsm_key_free(pub);
    kw_token_close(&c);
    return r;
}

/* Finds the key the URI names, of class cls. */
static int find_key(struct kw_token *c, CK_OBJECT_CLASS cls, hsm_key **k)
{
    CK_RV rv = hsm_key_find(c->tok, c->uri, cls, k);
    return rv == CKR_OK ? KW_EXIT_OK : kw_hsm_fail(rv, "finding the key");
}

static int act_pubkey(const struct hsm_opts *o)
{
    struct kw_token c;
    hsm_key *k = NULL;
    EVP_PKEY *pkey = NULL;
    FILE *f = stdout;
    int r;

    if (o->uri == NULL)
        return kw_usage_error("hsm pubkey", "--uri is required");
    if ((r = kw_token_open(&c, o->module, o->pin_file, o->uri, true)) != KW_EXIT_OK ||
        (r = find_key(&c, CK_UNAVAILABLE_INFORMATION, &k)) != KW_EXIT_OK)
        goto out;
    if ((pkey = kw_hsm_evp_pubkey(k)) == NULL) {
        r = kw_fail("cannot read a public key for %s", o->uri);
        goto out;
    }
    if (o->out != NULL && (f = fopen(o->out, "w")) == NULL) {
        r = kw_fail("cannot write %s", o->out);
        goto out;
    }
    if (!PEM_write_PUBKEY(f, pkey))
        r = kw_fail("cannot write the public key");
    if (f != stdout)
        fclose(f);
out:
    EVP_PKEY_free(pkey);
    hsm_key_free(k);
    kw_token_close(&c);
    return r;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL &&
        fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    *len = buf ? (size_t)n : 0;
    fclose(f);
    return buf;
}

static int act_sign(const struct hsm_opts *o)
{
    struct kw_token c;
    struct hsm_mech m = {0};
    hsm_key *k = NULL;
    uint8_t dgst[64], sig[1024], *msg = NULL, *der = NULL;
    size_t msglen = 0, siglen = sizeof(sig), derlen = 0, inlen;
    const uint8_t *in, *out;
    const char *md = "SHA256";
    unsigned int dl = 0;
    FILE *f;
    CK_RV rv;
    int r;

    if (o->uri == NULL || o->in == NULL || o->out == NULL)
        return kw_usage_error("hsm sign", "--uri, --in and --out are required");
    if ((msg = read_file(o->in, &msglen)) == NULL)
        return kw_fail("cannot read %s", o->in);
    if ((r = kw_token_open(&c, o->module, o->pin_file, o->uri, true)) != KW_EXIT_OK ||
        (r = find_key(&c, CKO_PRIVATE_KEY, &k)) != KW_EXIT_OK)
        goto out;
    in = msg;
    inlen = msglen;
    switch (hsm_key_get_type(k)) {
    case CKK_EC:
        /* The digest in software, the private operation in the token. */
        md = hsm_key_get_bits(k) > 384 ? "SHA512"
             : hsm_key_get_bits(k) > 256 ? "SHA384" : "SHA256";
        EVP_Digest(msg, msglen, dgst, &dl, EVP_get_digestbyname(md), NULL);
        m.type = CKM_ECDSA;
        in = dgst;
        inlen = dl;
        break;
    case CKK_RSA:
        m.type = o->pss ? CKM_SHA256_RSA_PKCS_PSS : CKM_SHA256_RSA_PKCS;
        m.p.pss.hash = CKM_SHA256;
        m.p.pss.mgf = CKG_MGF1_SHA256;
        m.p.pss.salt_len = 32;
        break;
    case CKK_EC_EDWARDS:
        m.type = CKM_EDDSA;
        break;
    default:
        r = kw_fail("%s is not a signing key", o->uri);
        goto out;
    }
    if ((rv = hsm_sign(k, &m, in, inlen, sig, &siglen)) != CKR_OK) {
        r = kw_hsm_fail(rv, "signing");
        goto out;
    }
    out = sig;
    if (m.type == CKM_ECDSA) {
        if ((der = kw_ecdsa_raw_to_der(sig, siglen, &derlen)) == NULL) {
            r = kw_fail("cannot encode the signature");
            goto out;
        }
        out = der;
        siglen = derlen;
    }
    if ((f = fopen(o->out, "wb")) == NULL || fwrite(out, 1, siglen, f) != siglen) {
        r = kw_fail("cannot write %s", o->out);
        if (f)
            fclose(f);
        goto out;
    }
    fclose(f);
out:
    OPENSSL_free(der);
    free(msg);
    hsm_key_free(k);
    kw_token_close(&c);
    return r;
}

static int hsm_run_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"module", required_argument, NULL, 'm'},
        {"pin-file", required_argument, NULL, 'p'},
        {"token", required_argument, NULL, 't'},
        {"uri", required_argument, NULL, 'u'},
        {"type", required_argument, NULL, 'T'},
        {"label", required_argument, NULL, 'l'},
        {"id", required_argument, NULL, 'i'},
        {"in", required_argument, NULL, 'I'},
        {"out", required_argument, NULL, 'o'},
        {"session", no_argument, NULL, 's'},
        {"pss", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct hsm_opts o = {0};
    const char *action;
    int c;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(hsm_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? KW_EXIT_USAGE : KW_EXIT_OK;
    }
    action = argv[1];
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': o.module = optarg; break;
        case 'p': o.pin_file = optarg; break;
        case 't': o.token = optarg; break;
        case 'u': o.uri = optarg; break;
        case 'T': o.type = optarg; break;
        case 'l': o.label = optarg; break;
        case 'i': o.id_hex = optarg; break;
        case 'I': o.in = optarg; break;
        case 'o': o.out = optarg; break;
        case 's': o.session = true; break;
        case 'P': o.pss = true; break;
        case 'h': fputs(hsm_usage, stdout); return KW_EXIT_OK;
        default: return kw_usage_error("hsm", "unknown option");
        }
    }
    if (optind != argc)
        return kw_usage_error("hsm", "unexpected argument '%s'", argv[optind]);
    if (strcmp(action, "tokens") == 0)
        return act_tokens(&o);
    if (strcmp(action, "mechanisms") == 0)
        return act_mechanisms(&o);
    if (strcmp(action, "list") == 0)
        return act_list(&o);
    if (strcmp(action, "keygen") == 0)
        return act_keygen(&o);
    if (strcmp(action, "pubkey") == 0)
        return act_pubkey(&o);
    if (strcmp(action, "sign") == 0)
        return act_sign(&o);
    return kw_usage_error("hsm", "unknown action '%s'", action);
}

const struct kw_cmd kw_cmd_hsm = {
    "hsm", "tokens, keys and signatures straight through PKCS#11", hsm_run_cmd,
};
