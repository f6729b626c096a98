/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_request_replay.c: runs fuzz_request's entry point over every file of a
 * corpus directory (the test built in every build). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    size_t n = 0;
    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        struct dirent *e;
        if (d == NULL) {
            perror(argv[a]);
            return 1;
        }
        while ((e = readdir(d)) != NULL) {
            char path[4096];
            FILE *f;
            uint8_t *buf;
            long len;
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", argv[a], e->d_name);
            if ((f = fopen(path, "rb")) == NULL)
                continue;
            fseek(f, 0, SEEK_END);
            len = ftell(f);
            rewind(f);
            buf = malloc(len > 0 ? (size_t)len : 1);
            if (buf != NULL && fread(buf, 1, (size_t)len, f) == (size_t)len) {
                LLVMFuzzerTestOneInput(buf, (size_t)len);
                n++;
            }
            free(buf);
            fclose(f);
        }
        closedir(d);
    }
    printf("%zu passed, 0 failed\n", n);
    return n > 0 ? 0 : 1;
}
