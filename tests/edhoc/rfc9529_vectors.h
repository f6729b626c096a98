/* SPDX-License-Identifier: Apache-2.0 */
/* rfc9529_vectors.h: hex values copied from RFC 9529 (Traces of EDHOC). */
#ifndef KEYWARD_TEST_RFC9529_VECTORS_H
#define KEYWARD_TEST_RFC9529_VECTORS_H

/* Trace 1 (section 2): method 0, suite 0, X.509 by x5t. Trace 2 (section
 * 3): method 3, suite 2 after negotiation, CCS by kid. INVALID_n: the
 * section 4 examples, in document order. */
extern const char T1_X[];
extern const char T1_Y[];
extern const char T1_SK_R[];
extern const char T1_SK_I[];
extern const char T1_CERT_R[];
extern const char T1_CERT_I[];
extern const char T1_ID_CRED_R[];
extern const char T1_ID_CRED_I[];
extern const char T1_M1[];
extern const char T1_M2[];
extern const char T1_M3[];
extern const char T1_M4[];
extern const char T1_PRK_OUT[];
extern const char T1_PRK_EXPORTER[];
extern const char T1_MS[];
extern const char T1_SALT[];
extern const char T1_KU_CONTEXT[];
extern const char T1_KU_PRK_OUT[];
extern const char T1_KU_PRK_EXPORTER[];
extern const char T1_KU_MS[];
extern const char T1_KU_SALT[];
extern const char T2_M1_FIRST[];
extern const char T2_ERROR[];
extern const char T2_X_FIRST[];
extern const char T2_X[];
extern const char T2_Y[];
extern const char T2_M1[];
extern const char T2_M2[];
extern const char T2_M3[];
extern const char T2_M4[];
extern const char T2_SK_R[];
extern const char T2_SK_I[];
extern const char T2_CRED_R[];
extern const char T2_CRED_I[];
extern const char T2_PRK_2E[];
extern const char T2_TH_2[];
extern const char T2_PLAINTEXT_2[];
extern const char T2_PRK_OUT[];
extern const char T2_PRK_EXPORTER[];
extern const char T2_MS[];
extern const char T2_SALT[];
extern const char T2_KU_CONTEXT[];
extern const char T2_KU_PRK_OUT[];
extern const char T2_KU_PRK_EXPORTER[];
extern const char T2_KU_MS[];
extern const char T2_KU_SALT[];
extern const char T2_PK_R_X[];
extern const char T2_PK_R_Y[];
extern const char T2_PK_I_X[];
extern const char T2_PK_I_Y[];
extern const char INVALID_0[];
extern const char INVALID_1[];
extern const char INVALID_2[];
extern const char INVALID_3[];
extern const char INVALID_4[];
extern const char INVALID_5[];
extern const char INVALID_6[];
extern const char INVALID_7[];
extern const char INVALID_8[];
extern const char INVALID_9[];
extern const char INVALID_10[];
extern const char INVALID_11[];
extern const char INVALID_12[];
extern const char INVALID_13[];
extern const char INVALID_14[];

#endif
