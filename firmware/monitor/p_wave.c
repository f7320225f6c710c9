#include <string.h>

#include "p_wave.h"

#define RATE_SHIFT 3   /* the average and the energy move 1/8 of the way to each new beat */
#define SAMPLE_SHIFT 4 /* region samples are held 16 x */
#define WARM_BEATS 16  /* beats joined before the coherence is known (the first beat is taken whole, so
                        * noise reads as coherent at first; after 16 the first beat's weight is below 1/8) */

void p_wave_init(p_wave_t *p)
{
    memset(p, 0, sizeof *p);
    p->last_position = -1;
    p->coherence = P_WAVE_UNKNOWN;
}

static int32_t floor_div(int32_t num, int32_t den)
{
    int32_t q = num / den;
    return (num % den != 0 && (num < 0) != (den < 0)) ? q - 1 : q;
}

void p_wave_on_beat(p_wave_t *p, int32_t position, const int8_t *window, int readable)
{
    int32_t previous, rr, sum = 0, mean, energy = 0, k;
    int64_t kept = 0;
    int premature;
    if (!readable) {
        p->last_position = -1;
        return;
    }
    previous = p->last_position;
    p->last_position = position;
    if (previous < 0 || position <= previous) return;
    rr = position - previous;
    premature = p->rr16 > 0 && (int64_t)rr * 128 < (int64_t)p->rr16 * 7;
    p->rr16 = p->rr16 == 0 ? rr * (1 << SAMPLE_SHIFT) : p->rr16 + ((rr * 16 - p->rr16) >> RATE_SHIFT);
    if (!window || premature) return;
    for (k = 0; k < P_WAVE_POINTS; k++)
        sum += window[(ECG_MODEL_R_OFFSET - P_WAVE_FIRST + k * P_WAVE_STEP) * ECG_MODEL_WINDOW_CHANNELS];
    mean = floor_div(sum, P_WAVE_POINTS);
    for (k = 0; k < P_WAVE_POINTS; k++) {
        int32_t x = (window[(ECG_MODEL_R_OFFSET - P_WAVE_FIRST + k * P_WAVE_STEP) * ECG_MODEL_WINDOW_CHANNELS] - mean) *
                    (1 << SAMPLE_SHIFT);
        energy += x * x;
        p->average[k] = p->joined == 0 ? x : p->average[k] + ((x - p->average[k]) >> RATE_SHIFT);
    }
    p->energy = p->joined == 0 ? energy : p->energy + ((energy - p->energy) >> RATE_SHIFT);
    if (p->joined < WARM_BEATS) p->joined++;
    if (p->joined < WARM_BEATS) return;
    for (k = 0; k < P_WAVE_POINTS; k++) kept += (int64_t)p->average[k] * p->average[k];
    p->coherence = p->energy > 0 ? (int32_t)(kept * 256 / p->energy) : 0;
}
