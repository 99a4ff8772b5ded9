/* Zstandard round trips for WASI: the zstd library as the zstandard package bundles it
 * (one file, zstd.c), compressing what it reads on stdin at several levels, decompressing
 * each result and checking it against the input. Prints one line per level. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zstd.h"

static unsigned char *read_all(FILE *f, size_t *size) {
    size_t cap = 1 << 20, len = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) return NULL;
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) break;
        if (len == cap) buf = realloc(buf, cap *= 2);
    }
    *size = len;
    return buf;
}

int main(int argc, char **argv) {
    size_t size;
    unsigned char *input = read_all(stdin, &size);
    if (input == NULL || size == 0) {
        fprintf(stderr, "zstd: no input on stdin\n");
        return 1;
    }
    int levels[] = {1, 3, 9};
    size_t bound = ZSTD_compressBound(size);
    unsigned char *packed = malloc(bound), *unpacked = malloc(size);
    for (int i = 0; argc > 1 ? i < argc - 1 : i < 3; i++) {
        int level = argc > 1 ? atoi(argv[i + 1]) : levels[i];
        size_t n = ZSTD_compress(packed, bound, input, size, level);
        if (ZSTD_isError(n)) {
            fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(n));
            return 1;
        }
        size_t m = ZSTD_decompress(unpacked, size, packed, n);
        if (ZSTD_isError(m) || m != size || memcmp(unpacked, input, size) != 0) {
            fprintf(stderr, "zstd: level %d did not round-trip\n", level);
            return 1;
        }
        printf("level %d: %zu -> %zu bytes\n", level, size, n);
    }
    return 0;
}
