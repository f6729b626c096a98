/* SPDX-License-Identifier: Apache-2.0 */
/* rfc9529_vectors.c: RFC 9529 trace values (facts copied from the RFC text). */
#include "rfc9529_vectors.h"

const char T1_X[] =
    "892ec28e5cb6669108470539500b705e60d008d347c5817ee9f3327c8a87bb03";
const char T1_Y[] =
    "e69c23fbf81bc435942446837fe827bf206c8fa10a39db47449e5a813421e1e8";
const char T1_SK_R[] =
    "ef140ff900b0ab03f0c08d879cbbd4b31ea71e6e7ee7ffcb7e7955777a332799";
const char T1_SK_I[] =
    "4c5b25878f507c6b9dae68fbd4fd3ff997533db0af00b25d324ea28e6c213bc8";
const char T1_CERT_R[] =
    "3081ee3081a1a003020102020462319ec4300506032b6570301d311b30190603"
    "5504030c124544484f4320526f6f742045643235353139301e170d3232303331"
    "363038323433365a170d3239313233313233303030305a30223120301e060355"
    "04030c174544484f4320526573706f6e6465722045643235353139302a300506"
    "032b6570032100a1db47b95184854ad12a0c1a354e418aace33aa0f2c662c00b"
    "3ac55de92f9359300506032b6570034100b723bc01eab0928e8b2b6c98de19cc"
    "3823d46e7d6987b032478fecfaf14537a1af14cc8be829c6b73044101837eb4a"
    "bc949565d86dce51cfae52ab82c152cb02";
const char T1_CERT_I[] =
    "3081ee3081a1a003020102020462319ea0300506032b6570301d311b30190603"
    "5504030c124544484f4320526f6f742045643235353139301e170d3232303331"
    "363038323430305a170d3239313233313233303030305a30223120301e060355"
    "04030c174544484f4320496e69746961746f722045643235353139302a300506"
    "032b6570032100ed06a8ae61a829ba5fa54525c9d07f48dd44a302f43e0f23d8"
    "cc20b73085141e300506032b6570034100521241d8b3a770996bcfc9b9ead4e7"
    "e0a1c0db353a3bdf2910b39275ae48b756015981850d27db6734e37f67212267"
    "dd05eeff27b9e7a813fa574b72a00b430b";
const char T1_ID_CRED_R[] = "a11822822e4879f2a41b510c1f9b";
const char T1_ID_CRED_I[] = "a11822822e48c24ab2fd7643c79f";
const char T1_M1[] =
    "0000582031f82c7b5b9cbbf0f194d913cc12ef1532d328ef32632a4881a1c070"
    "1e237f042d";
const char T1_M2[] =
    "5872dc88d2d51da5ed67fc4616356bc8ca74ef9ebe8b387e623a360ba480b9b2"
    "9d1cbc26dd270fe9c02c44ce3934794b1cc62ba22f05459f8d358c8d12275ac4"
    "2c5f96ded5f13cc9084e5b201889a45e5a60a5562dc118619c3daa2fd9f4c9f4"
    "d6edad109dd4edf95962aafbaf9ab3f4a1f6b98f";
const char T1_M3[] =
    "585825c345884aaaeb22c527f9b1d2b6787207e0163c69b62a0d439281504272"
    "03c31674e4514ea6e383b566eb29763efeb0afa518776ae1c65f856d84bf32af"
    "3a7836970466dcb71f76745d39d3025e7703e0c032ebad51947c";
const char T1_M4[] = "484f0edee366e5c883";
const char T1_PRK_OUT[] =
    "b744cb7d8a87cc0447c3350e165b250dab12ec453325abb922b30307e5c368f0";
const char T1_PRK_EXPORTER[] =
    "2aaec8fc4ab3bc3295def6b551051a2fa561424db301fa84f642f5578a6df51a";
const char T1_MS[] = "1e1c6beac3a8a1cac435de7e2f9ae7ff";
const char T1_SALT[] = "ce7ab844c0106d73";
const char T1_KU_CONTEXT[] = "d6be169602b8bceaa01158fdb820890c";
const char T1_KU_PRK_OUT[] =
    "da6eacd9a985f4fba9aec2a9299022976b25b14e89fa159794f28d82faf2daad";
const char T1_KU_PRK_EXPORTER[] =
    "0014d2525ee0d8e213ea5908028e9a1ce9a01c30546f0930c044d38db5362c05";
const char T1_KU_MS[] = "ee0ff542c47eb0e09c69307649bdbbe5";
const char T1_KU_SALT[] = "80cede2a1e5aab48";
const char T2_M1_FIRST[] =
    "03065820741a13d7ba048fbb615e94386aa3b61bea5b3d8f65f32620b749bee8"
    "d278efa90e";
const char T2_ERROR[] = "0202";
const char T2_X_FIRST[] =
    "5c4172aca8b82b5a62e66f722216f5a10f72aa69f42c1d1cd3ccd7bfd29ca4e9";
const char T2_X[] =
    "368ec1f69aeb659ba37d5a8d45b21bdc0299dceaa8ef235f3ca42ce3530f9525";
const char T2_Y[] =
    "e2f4126777205e853b437d6eaca1e1f753cdcc3e2c69fa884b0a1a640977e418";
const char T2_M1[] =
    "0382060258208af6f430ebe18d34184017a9a11bf511c8dff8f834730b96c1b7"
    "c8dbca2fc3b637";
const char T2_M2[] =
    "582b419701d7f00a26c2dc587a36dd752549f33763c893422c8ea0f955a13a4f"
    "f5d59862a1eef9e0e7e1886fcd";
const char T2_M3[] = "52e562097bc417dd5919485ac7891ffd90a9fc";
const char T2_M4[] = "4828c966b7ca304f83";
const char T2_SK_R[] =
    "72cc4761dbd4c78f758931aa589d348d1ef874a7e303ede2f140dcf3e6aa4aac";
const char T2_SK_I[] =
    "fb13adeb6518cee5f88417660841142e830a81fe334380a953406a1305e8706b";
const char T2_CRED_R[] =
    "a2026b6578616d706c652e65647508a101a501020241322001215820bbc34960"
    "526ea4d32e940cad2a234148ddc21791a12afbcbac93622046dd44f022582045"
    "19e257236b2a0ce2023f0931f1f386ca7afda64fcde0108c224c51eabf6072";
const char T2_CRED_I[] =
    "a2027734322d35302d33312d46462d45462d33372d33322d333908a101a50102"
    "02412b2001215820ac75e9ece3e50bfc8ed60399889522405c47bf16df96660a"
    "41298cb4307f7eb62258206e5de611388a4b8a8211334ac7d37ecb52a387d257"
    "e6db3c2a93df21ff3affc8";
const char T2_PRK_2E[] =
    "5aa0d69f3e3d1e0c479f0b8a486690c9802630c3466b1dc92371c982563170b5";
const char T2_TH_2[] =
    "356efd53771425e008f3fe3a86c83ff4c6b16e57028ff39d5236c182b202084b";
const char T2_PLAINTEXT_2[] = "2732480943305c899f5c54";
const char T2_PRK_OUT[] =
    "2c71afc1a9338a940bb3529ca734b886f30d1aba0b4dc51beeaeabdfea9ecbf8";
const char T2_PRK_EXPORTER[] =
    "e14d06699cee248c5a04bf9227bbcd4ce394de7dcb56db43555474171e6446db";
const char T2_MS[] = "f9868f6a3aca78a05d1485b35030b162";
const char T2_SALT[] = "ada24c7dbfc85eeb";
const char T2_KU_CONTEXT[] = "a01158fdb820890cd6be169602b8bcea";
const char T2_KU_PRK_OUT[] =
    "f979537743fe0bd6b9b141ddbd79656c52e6dc7c50ad807754d74d07e87d0d16";
const char T2_KU_PRK_EXPORTER[] =
    "00fcf7db9b2ead73824e7e830363c805c296f902830fac23d86c359c752f0f17";
const char T2_KU_MS[] = "49f72fac02b4658bda21e2dac66fc374";
const char T2_KU_SALT[] = "dd8b24f2aa9b011a";
const char T2_PK_R_X[] =
    "bbc34960526ea4d32e940cad2a234148ddc21791a12afbcbac93622046dd44f0";
const char T2_PK_R_Y[] =
    "4519e257236b2a0ce2023f0931f1f386ca7afda64fcde0108c224c51eabf6072";
const char T2_PK_I_X[] =
    "ac75e9ece3e50bfc8ed60399889522405c47bf16df96660a41298cb4307f7eb6";
const char T2_PK_I_Y[] =
    "6e5de611388a4b8a8211334ac7d37ecb52a387d257e6db3c2a93df21ff3affc8";
/* Surplus array encoding of message: Invalid message_1 (38 bytes) */
const char INVALID_0[] =
    "8403025820741a13d7ba048fbb615e94386aa3b61bea5b3d8f65f32620b749be"
    "e8d278efa90e";
/* Surplus bstr encoding of connection identifier: Invalid message_1 (38 bytes)
 */
const char INVALID_1[] =
    "03025820741a13d7ba048fbb615e94386aa3b61bea5b3d8f65f32620b749bee8"
    "d278efa9410e";
/* Surplus array encoding of ciphersuite: Invalid message_1 (38 bytes) */
const char INVALID_2[] =
    "0381025820741a13d7ba048fbb615e94386aa3b61bea5b3d8f65f32620b749be"
    "e8d278efa90e";
/* Text string encoding of ephemeral key: Invalid message_1 (37 bytes) */
const char INVALID_3[] =
    "0302782020616972207370656564206f66206120756e6c6164656e207377616c"
    "6c6f77200e";
/* Wrong number of CBOR sequence elements: Invalid message_2 (46 bytes) */
const char INVALID_4[] =
    "5820419701d7f00a26c2dc587a36dd752549f33763c893422c8ea0f955a13a4f"
    "f5d54b9862a11de42a95d785386a";
/* Surplus map encoding of ID_CRED field: Invalid PLAINTEXT_2 (15 bytes) */
const char INVALID_5[] = "27a10442321048fa5efa2ebf920bf3";
/* Surplus bstr encoding of ID_CRED field: Invalid PLAINTEXT_2 (12 bytes) */
const char INVALID_6[] = "27413248fa5efa2ebf920bf3";
/* Error in length of ephemeral key: Invalid message_1 (40 bytes) */
const char INVALID_7[] =
    "03820218185820741a13d7ba048fbb615e94386aa3b61bea5b3d8f65f32620b7"
    "49bee8d278efa90e";
/* Error in elliptic curve representation: Invalid message_1 (37 bytes) */
const char INVALID_8[] =
    "03025820ffffffff00000001000000000000000000000000ffffffffffffffff"
    "ffffffff0e";
/* Error in elliptic curve point: Invalid message_1 (37 bytes) */
const char INVALID_9[] =
    "03025820a04e73601df544a70ba7ea1e57030f7d4b4eb7f673924e58d54ca77a"
    "5e7d4d4a0e";
/* Curve point of low order: Invalid message_1 (37 bytes) */
const char INVALID_10[] =
    "03005820edffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    "ffffff7f0e";
/* Error in length of MAC: Invalid PLAINTEXT_2 (7 bytes) */
const char INVALID_11[] = "273244fa5efa2e";
/* Error in elliptic curve encoding: Invalid message_1 (36 bytes) */
const char INVALID_12[] =
    "0302581fd9697725d23a688b12d1c7e0108a08c9f71a85a09c20814976ab2112"
    "2248fc0e";
/* Unnecessary long encoding: Invalid message_1 (39 bytes) */
const char INVALID_13[] =
    "190003025820741a13d7ba048fbb615e94386aa3b61bea5b3d8f65f32620b749"
    "bee8d278efa90e";
/* Indefinite-length array encoding: Invalid message_1 (40 bytes) */
const char INVALID_14[] =
    "039f0602ff5820741a13d7ba048fbb615e94386aa3b61bea5b3d8f65f32620b7"
    "49bee8d278efa90e";
