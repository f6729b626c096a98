/* SPDX-License-Identifier: Apache-2.0 */
/* module.c: loading PKCS#11 modules once per process, and fork recovery. */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hsm_internal.h"

atomic_uint hsm_fork_gen;

static atomic_bool hsm_exiting;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static hsm_module *registry;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/*
 * Around fork() every hsm lock is taken, so that the child never inherits
 * one held by a thread that does not exist there. Order: registry, module,
 * token key_mx, token lock, pool (the order the rest of hsm/ nests them).
 */
void hsm_module_lock_all(void)
{
    pthread_mutex_lock(&registry_lock);
    for (hsm_module *m = registry; m != NULL; m = m->next) {
        pthread_mutex_lock(&m->lock);
        for (hsm_token *t = m->tokens; t != NULL; t = t->next) {
            pthread_mutex_lock(&t->key_mx);
            pthread_mutex_lock(&t->lock);
            pthread_mutex_lock(&t->pool_mx);
        }
    }
}

void hsm_module_unlock_all(void)
{
    for (hsm_module *m = registry; m != NULL; m = m->next) {
        for (hsm_token *t = m->tokens; t != NULL; t = t->next) {
            pthread_mutex_unlock(&t->pool_mx);
            pthread_mutex_unlock(&t->lock);
            pthread_mutex_unlock(&t->key_mx);
        }
        pthread_mutex_unlock(&m->lock);
    }
    pthread_mutex_unlock(&registry_lock);
}

static void atfork_child(void)
{
    atomic_fetch_add(&hsm_fork_gen, 1);
    hsm_module_unlock_all();
}

static void atfork_register(void)
{
    pthread_atfork(hsm_module_lock_all, hsm_module_unlock_all, atfork_child);
}

/* atexit handlers run last-registered first; registered right after a
 * module is loaded, this one runs before that module's destructors. */
static void at_exit(void)
{
    atomic_store(&hsm_exiting, true);
}

bool hsm_module_usable(const hsm_module *m)
{
    return m->fork_gen == atomic_load(&hsm_fork_gen) &&
           !atomic_load(&hsm_exiting);
}

static CK_RV module_initialize(hsm_module *m)
{
    CK_C_INITIALIZE_ARGS args = {0};
    CK_RV rv;

    args.flags = CKF_OS_LOCKING_OK;
    args.pReserved = m->init_args;
    rv = m->fl->C_Initialize(&args);
    if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        /* Someone else in this process initialised it; they finalize it. */
        m->finalize_at_free = false;
        return CKR_OK;
    }
    if (rv != CKR_OK)
        hsm_set_detail("%s: C_Initialize failed", m->path);
    m->finalize_at_free = rv == CKR_OK;
    return rv;
}

static CK_RV module_bind(hsm_module *m)
{
    hsm_ck_get_interface_fn get_interface;
    CK_C_GetFunctionList get_list;
    hsm_ck_interface *iface = NULL;
    CK_RV rv;

    get_interface = (hsm_ck_get_interface_fn)dlsym(m->dl, "C_GetInterface");
    if (get_interface != NULL &&
        get_interface((CK_UTF8CHAR *)"PKCS 11", NULL, &iface, 0) == CKR_OK &&
        iface != NULL && iface->function_list != NULL) {
        m->fl = iface->function_list;
        if (m->fl->version.major >= 3)
            m->session_cancel =
                ((struct hsm_ck_function_list_3_0 *)m->fl)->C_SessionCancel;
    } else {
        get_list = (CK_C_GetFunctionList)dlsym(m->dl, "C_GetFunctionList");
        if (get_list == NULL) {
            hsm_set_detail("%s exports neither C_GetInterface nor "
                           "C_GetFunctionList: not a PKCS#11 module",
                           m->path);
            return HSM_RV_NOT_A_MODULE;
        }
        if ((rv = get_list(&m->fl)) != CKR_OK || m->fl == NULL) {
            hsm_set_detail("%s: C_GetFunctionList failed", m->path);
            return rv != CKR_OK ? rv : HSM_RV_NOT_A_MODULE;
        }
    }
    m->version = m->fl->version.major * 100u + m->fl->version.minor;
    return CKR_OK;
}

/* Module quirks, recognised by the library's manufacturer ID. */
static void module_quirks(hsm_module *m)
{
    static const char tpm2_pkcs11[] = "tpm2-software.github.io";
    CK_INFO info;

    if (m->fl->C_GetInfo(&info) != CKR_OK)
        return;
    /* tpm2-pkcs11: see hsm_module.serial, .ecdsa_digest_lengths,
     * .cbc_pad_decrypt_broken, .no_secret_create, .ctr_whole_blocks and
     * .hmac_4096. */
    if (memcmp(info.manufacturerID, tpm2_pkcs11, sizeof(tpm2_pkcs11) - 1) == 0) {
        m->serial = true;
        m->ecdsa_digest_lengths = true;
        m->cbc_pad_decrypt_broken = true;
        m->no_secret_create = true;
        m->ctr_whole_blocks = true;
        m->hmac_4096 = true;
    }
}

static void module_destroy(hsm_module *m)
{
    if (m == NULL)
        return;
    if (m->fl != NULL && m->finalize_at_free && hsm_module_usable(m))
        m->fl->C_Finalize(NULL);
    if (m->dl != NULL)
        dlclose(m->dl);
    pthread_mutex_destroy(&m->lock);
    free(m->path);
    free(m->init_args);
    free(m);
}

CK_RV hsm_module_open(const char *path, const char *init_args,
                      hsm_module **out)
{
    hsm_module *m;
    struct stat st;
    char *real;
    CK_RV rv;

    *out = NULL;
    hsm_clear_detail();
    pthread_once(&atfork_once, atfork_register);
    if (path == NULL || *path == '\0') {
        hsm_set_detail("no PKCS#11 module path given");
        return HSM_RV_MODULE_NOT_FOUND;
    }
    if ((real = realpath(path, NULL)) == NULL) {
        hsm_set_detail("PKCS#11 module %s: %s", path, strerror(errno));
        return HSM_RV_MODULE_NOT_FOUND;
    }
    if (stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
        hsm_set_detail("PKCS#11 module %s is not a regular file", path);
        free(real);
        return HSM_RV_MODULE_NOT_FOUND;
    }

    pthread_mutex_lock(&registry_lock);
    for (m = registry; m != NULL; m = m->next) {
        if (strcmp(m->path, real) == 0) {
            atomic_fetch_add(&m->refs, 1);
            pthread_mutex_unlock(&registry_lock);
            free(real);
            if ((rv = hsm_module_check_fork(m)) != CKR_OK) {
                hsm_module_free(m);
                return rv;
            }
            *out = m;
            return CKR_OK;
        }
    }

    if ((m = calloc(1, sizeof(*m))) == NULL) {
        rv = CKR_HOST_MEMORY;
        goto err_unlock;
    }
    pthread_mutex_init(&m->lock, NULL);
    atomic_init(&m->refs, 1);
    m->path = real;
    real = NULL;
    m->fork_gen = atomic_load(&hsm_fork_gen);
    if (init_args != NULL && (m->init_args = strdup(init_args)) == NULL) {
        rv = CKR_HOST_MEMORY;
        goto err_unlock;
    }
    /* RTLD_NODELETE: a module may leave threads or atexit handlers behind
     * (SoftHSM, tpm2-pkcs11 with OpenSSL inside); unmapping it under them
     * would crash the process later. */
    if ((m->dl = dlopen(m->path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) == NULL) {
        hsm_set_detail("%s is not a loadable PKCS#11 module: %s", path,
                       dlerror());
        rv = HSM_RV_NOT_A_MODULE;
        goto err_unlock;
    }
    if ((rv = module_bind(m)) != CKR_OK)
        goto err_unlock;
    if ((rv = module_initialize(m)) != CKR_OK)
        goto err_unlock;
    atexit(at_exit);
    module_quirks(m);
    m->next = registry;
    registry = m;
    pthread_mutex_unlock(&registry_lock);
    *out = m;
    return CKR_OK;

err_unlock:
    pthread_mutex_unlock(&registry_lock);
    free(real);
    module_destroy(m);
    return rv;
}

void hsm_module_up_ref(hsm_module *m)
{
    atomic_fetch_add(&m->refs, 1);
}

void hsm_module_free(hsm_module *m)
{
    hsm_module **pp;

    if (m == NULL)
        return;
    pthread_mutex_lock(&registry_lock);
    if (atomic_fetch_sub(&m->refs, 1) != 1) {
        pthread_mutex_unlock(&registry_lock);
        return;
    }
    for (pp = &registry; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    module_destroy(m);
}

const char *hsm_module_get0_path(const hsm_module *m)
{
    return m->path;
}

unsigned hsm_module_version(const hsm_module *m)
{
    return m->version;
}

/*
 * PKCS#11 state does not survive fork(): the child's copies of the parent's
 * sessions and login are not its own. The first use in the child finalizes
 * what it inherited, initialises the module afresh and marks every token so
 * that sessions, login and object handles are rebuilt on demand.
 */
CK_RV hsm_module_check_fork(hsm_module *m)
{
    unsigned gen = atomic_load_explicit(&hsm_fork_gen, memory_order_acquire);
    CK_RV rv = CKR_OK;

    if (__builtin_expect(m->fork_gen == gen, 1))
        return CKR_OK;
    pthread_mutex_lock(&m->lock);
    if (m->fork_gen != gen) {
        m->fl->C_Finalize(NULL);
        rv = module_initialize(m);
        if (rv == CKR_OK) {
            m->finalize_at_free = true;
            for (hsm_token *t = m->tokens; t != NULL; t = t->next)
                hsm_token_reset_after_fork(t);
            m->fork_gen = gen;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return rv;
}
