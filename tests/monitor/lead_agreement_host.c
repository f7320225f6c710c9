/* Host driver for lead_agreement.c: reads "P pos", "S pos" (beats) and
 * "A now noisy quiet" (advance) lines from stdin, prints each decided beat as
 * "B pos" and the counters as "C dropped added" at the end. */
#include <stdio.h>
#include <stdlib.h>
#include "lead_agreement.h"

int main(int argc, char **argv)
{
    static lead_agreement_t la;
    lead_agreement_config_t cfg;
    char kind;
    long a, b, c;
    int32_t out[4];
    if (argc != 5) {
        fprintf(stderr, "usage: %s near wait regular_span gap_q8\n", argv[0]);
        return 2;
    }
    cfg.near = (int32_t)atol(argv[1]);
    cfg.wait = (int32_t)atol(argv[2]);
    cfg.regular_span = (int32_t)atol(argv[3]);
    cfg.gap_q8 = (int32_t)atol(argv[4]);
    lead_agreement_init(&la, &cfg);
    while (scanf(" %c", &kind) == 1) {
        if (kind == 'P' && scanf("%ld", &a) == 1) {
            lead_agreement_primary(&la, (int32_t)a);
        } else if (kind == 'S' && scanf("%ld", &a) == 1) {
            lead_agreement_second(&la, (int32_t)a);
        } else if (kind == 'A' && scanf("%ld %ld %ld", &a, &b, &c) == 3) {
            int i, n = lead_agreement_advance(&la, (int32_t)a, (int)b, (int)c, out, 4);
            for (i = 0; i < n; i++) {
                printf("B %ld\n", (long)out[i]);
            }
        } else {
            fprintf(stderr, "bad input\n");
            return 2;
        }
    }
    printf("C %lu %lu\n", (unsigned long)la.dropped, (unsigned long)la.added);
    return 0;
}
