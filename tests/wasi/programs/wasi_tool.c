/* A WASI test program for wt: one mode per first argument. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int args_mode(int argc, char **argv) {
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    const char *key = getenv("KEY");
    printf("KEY=%s\n", key ? key : "(unset)");
    fprintf(stderr, "to stderr\n");
    return 0;
}

static int echo_mode(void) {
    int c;
    while ((c = getchar()) != EOF) putchar(toupper(c));
    fprintf(stderr, "echoed\n");
    return 0;
}

/* Read /data/input.txt, write its upper-cased content to /data/output.txt, exercise
   create/rename/unlink/readdir, and return 42. */
static int files_mode(void) {
    FILE *in = fopen("/data/input.txt", "r");
    if (!in) { perror("open input"); return 1; }
    FILE *out = fopen("/data/tmp.txt", "w");
    if (!out) { perror("open tmp"); return 1; }
    int c;
    while ((c = fgetc(in)) != EOF) fputc(toupper(c), out);
    fclose(in);
    fclose(out);
    if (rename("/data/tmp.txt", "/data/output.txt") != 0) { perror("rename"); return 1; }
    FILE *junk = fopen("/data/junk.txt", "w");
    fputs("junk", junk);
    fclose(junk);
    if (unlink("/data/junk.txt") != 0) { perror("unlink"); return 1; }
    DIR *dir = opendir("/data");
    if (!dir) { perror("opendir"); return 1; }
    struct dirent *entry;
    int count = 0;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] != '.') { printf("entry %s\n", entry->d_name); count++; }
    }
    closedir(dir);
    printf("entries %d\n", count);
    return 42;
}

/* Every way of changing /ro must fail; reading it must work. */
static int readonly_mode(void) {
    int refused = 0;
    FILE *f;
    if ((f = fopen("/ro/new.txt", "w")) == NULL) refused++; else fclose(f);
    if ((f = fopen("/ro/input.txt", "w")) == NULL) refused++; else fclose(f);  /* would truncate */
    if ((f = fopen("/ro/input.txt", "a")) == NULL) refused++; else fclose(f);
    if (rename("/ro/input.txt", "/ro/moved.txt") != 0) refused++;
    if (unlink("/ro/input.txt") != 0) refused++;
    if (mkdir("/ro/sub", 0755) != 0) refused++;
    printf("write refused %d of 6\n", refused);
    FILE *g = fopen("/ro/input.txt", "r");
    if (!g) { printf("read failed\n"); return 1; }
    char buf[64] = {0};
    fgets(buf, sizeof buf, g);
    fclose(g);
    printf("read %s", buf);
    return 0;
}

static int escape_mode(void) {
    const char *paths[] = {"/data/../secret.txt", "../secret.txt", "/secret.txt", "/data/../../etc/passwd",
                           "/data/link"};
    for (int i = 0; i < 5; i++) {
        FILE *f = fopen(paths[i], "r");
        printf("%s %s\n", paths[i], f ? "OPENED" : "blocked");
        if (f) fclose(f);
    }
    return 0;
}

static int clock_mode(void) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_REALTIME, &b);
    unsigned char r1[16], r2[16];
    getentropy(r1, sizeof r1);
    getentropy(r2, sizeof r2);
    printf("realtime %s\n", b.tv_sec > 1600000000 ? "ok" : "bad");
    printf("random %s\n", memcmp(r1, r2, sizeof r1) ? "ok" : "bad");
    return 0;
}

/* Every byte value, in chunks alternating between stdout and stderr, one write each. */
static int bytes_mode(void) {
    unsigned char chunk[256];
    for (int i = 0; i < 256; i++) chunk[i] = (unsigned char)i;
    for (int round = 0; round < 8; round++) {
        if (write(1, chunk, 256) != 256) return 1;
        unsigned char tag[2] = {'E', (unsigned char)round};
        if (write(2, tag, 2) != 2) return 1;
    }
    return 0;
}

/* Write to stdout and report whether the write failed (the Python writer raised). */
static int failwrite_mode(void) {
    ssize_t n = write(1, "lost", 4);
    fprintf(stderr, "write %s\n", n < 0 ? "failed" : "ok");
    return n < 0 ? 3 : 0;
}

static int trap_mode(void) {
    puts("before the trap");
    fflush(stdout);
    __builtin_trap();
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: wasi_tool MODE\n"); return 2; }
    const char *mode = argv[1];
    if (!strcmp(mode, "args")) return args_mode(argc, argv);
    if (!strcmp(mode, "echo")) return echo_mode();
    if (!strcmp(mode, "files")) return files_mode();
    if (!strcmp(mode, "readonly")) return readonly_mode();
    if (!strcmp(mode, "escape")) return escape_mode();
    if (!strcmp(mode, "clock")) return clock_mode();
    if (!strcmp(mode, "exit")) return argc > 2 ? atoi(argv[2]) : 0;
    if (!strcmp(mode, "bytes")) return bytes_mode();
    if (!strcmp(mode, "failwrite")) return failwrite_mode();
    if (!strcmp(mode, "trap")) return trap_mode();
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
