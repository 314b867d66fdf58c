/* main.c — entry point: global flags, then the console or a headless command. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("tarmac %s\n", TARMAC_VERSION);
        return 0;
    }
    fprintf(stderr, "tarmac: not built yet\n");
    return 2;
}
