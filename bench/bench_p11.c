/* SPDX-License-Identifier: Apache-2.0 */
/* bench_p11.c: the bare PKCS#11 baseline the benchmarks measure Keyward
 * against: the module loaded raw, a logged-in session, session copies of
 * keys. */
#include "bench_p11.h"

#include <dlfcn.h>
#include <string.h>

bool bench_p11_open(const char *module, const char *label, const char *pin,
                    CK_FUNCTION_LIST **fl, CK_SLOT_ID *slot,
                    CK_SESSION_HANDLE *s)
{
    CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
    CK_C_GetFunctionList get;
    CK_SLOT_ID slots[16];
    CK_ULONG n = 16;
    size_t len = strlen(label);
    bool found = false;
    CK_RV rv;
    void *dl;

    if ((dl = dlopen(module, RTLD_NOW)) == NULL ||
        (get = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList")) == NULL ||
        get(fl) != CKR_OK)
        return false;
    /* Threads use the module: let it lock (SoftHSM corrupts its heap
     * otherwise). */
    rv = (*fl)->C_Initialize(&args);
    if ((rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) ||
        (*fl)->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
        return false;
    for (CK_ULONG i = 0; i < n && !found; i++) {
        CK_TOKEN_INFO ti;

        if ((*fl)->C_GetTokenInfo(slots[i], &ti) == CKR_OK && len <= 32 &&
            memcmp(ti.label, label, len) == 0 &&
            (len == 32 || ti.label[len] == ' ')) {
            *slot = slots[i];
            found = true;
        }
    }
    if (!found ||
        (*fl)->C_OpenSession(*slot, CKF_SERIAL_SESSION, NULL, NULL, s) != CKR_OK)
        return false;
    rv = (*fl)->C_Login(*s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
    return rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN;
}

CK_OBJECT_HANDLE bench_p11_copy(CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s,
                                const char *label, CK_OBJECT_CLASS cls)
{
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof(cls)},
                           {CKA_LABEL, (void *)label, strlen(label)},
                           {CKA_TOKEN, &yes, sizeof(yes)}};
    CK_ATTRIBUTE copy_tmpl[] = {{CKA_TOKEN, &no, sizeof(no)}};
    CK_OBJECT_HANDLE h[2], copy = CK_INVALID_HANDLE;
    CK_ULONG n = 0;

    if (fl->C_FindObjectsInit(s, tmpl, 3) != CKR_OK)
        return CK_INVALID_HANDLE;
    fl->C_FindObjects(s, h, 2, &n);
    fl->C_FindObjectsFinal(s);
    if (n != 1 || fl->C_CopyObject(s, h[0], copy_tmpl, 1, &copy) != CKR_OK)
        return CK_INVALID_HANDLE;
    return copy;
}
