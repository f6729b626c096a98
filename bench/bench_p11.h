/* SPDX-License-Identifier: Apache-2.0 */
/* bench_p11.h: the bare PKCS#11 baseline the benchmarks measure Keyward
 * against: the module loaded raw, a logged-in session, session copies of
 * keys. (Benchmarks, not Keyward code, may call PKCS#11 directly.) */
#ifndef KEYWARD_BENCH_P11_H
#define KEYWARD_BENCH_P11_H

#include <stdbool.h>

#include <p11-kit/pkcs11.h>

/* Loads module with dlopen and initialises it for threads (an
 * initialisation keyward already made in this process is shared), finds
 * the token labelled label, opens a session on it and logs in with pin.
 * Sets *fl, *slot and *s. */
bool bench_p11_open(const char *module, const char *label, const char *pin,
                    CK_FUNCTION_LIST **fl, CK_SLOT_ID *slot,
                    CK_SESSION_HANDLE *s);
/* A session copy (CKA_TOKEN=FALSE) of the one token object of class cls
 * labelled label, the fastest handle on SoftHSM (keyward uses one too);
 * CK_INVALID_HANDLE when there is none or more than one. */
CK_OBJECT_HANDLE bench_p11_copy(CK_FUNCTION_LIST *fl, CK_SESSION_HANDLE s,
                                const char *label, CK_OBJECT_CLASS cls);

#endif
