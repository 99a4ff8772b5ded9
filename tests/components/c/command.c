/* A WASI command in C, adapted to a WASI 0.2 component with the preview1 command adapter.
   Prints its arguments, GREETING, stdin and the file named by argv[1] to stdout, writes the
   file named by WRITE if set (and says whether it could), a line to stderr, and returns the
   status in EXIT. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    printf("args:");
    for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
    printf("\n");
    const char *greeting = getenv("GREETING");
    printf("greeting: %s\n", greeting ? greeting : "<unset>");
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, stdin);
    buf[n] = 0;
    printf("stdin: %s\n", buf);
    if (argc > 1) {
        FILE *f = fopen(argv[1], "r");
        if (!f) { perror("fopen"); return 2; }
        n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        fclose(f);
        while (n && buf[n - 1] == '\n') buf[--n] = 0;
        printf("file: %s\n", buf);
    }
    const char *target = getenv("WRITE");
    if (target) {
        FILE *w = fopen(target, "w");
        if (w) { fputs("written by the guest\n", w); fclose(w); }
        printf("write: %s\n", w ? "ok" : "denied");
    }
    fprintf(stderr, "to stderr\n");
    const char *code = getenv("EXIT");
    return code ? atoi(code) : 0;
}
